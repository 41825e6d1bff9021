module difftest

go 1.22
