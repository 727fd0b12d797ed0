# Sourced by ./kiln and the benches (not run): glibc malloc settings for the JVMs that train with libtorch.
# libtorch allocates each step's tensors with malloc; glibc serves the big ones (logits, attention scores) with mmap
# and returns them to the OS when freed, and trims the heap top, so every step page-faults its memory back in: on
# the PyTorch bench (bench/pytorch/run.sh) a third of the CPU time went to the kernel. Never using mmap for malloc
# and never trimming keeps the memory of one step for the next (RSS stays at the peak of a step, which training
# reaches every step anyway). Settings already in GLIBC_TUNABLES come last and win. The same value is in
# infra/Dockerfile, the test JVMs' configuration (pom.xml) and dev.kiln.worker.NativeMemory, which checks it.
export GLIBC_TUNABLES="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"
