"""The Python backends' shared parts (threading, asyncio, gevent), one module for each kind of
thing they share, so that no helper is written twice:

- dispatch: PyBackend, the scenario name -> ``sc_<scenario>`` method dispatch and `effective`
- timing: the clock, timed observables, fixed CPU work (burn/calibrate), WAIT_S
- memory / kernel: RSS and VmSize; context switches, thread ids, CPUs
- fdlimit, devnull: the soft open-file limit; /dev/null as a descriptor
- primitives: the WaitGroup, RWMutex and Once Python lacks, over a library's own lock
- children: child interpreters for the scenarios that crash by design
- echo: the client side of echo_server; summaries: small summaries of repeated trials
- races: what Python has for the race detector (nothing)
- blocking/: the scenario bodies threading and gevent share, one module per article section

Nothing here imports gevent or starts an event loop: each backend brings its own runtime.
"""
