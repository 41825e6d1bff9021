module goscen

go 1.22
