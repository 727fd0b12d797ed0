#!/usr/bin/env bash
# Installs PyTorch's own libtorch for DJL from PyPI, the way a GPU worker gets CUDA: Maven Central has no CUDA
# libtorch for DJL 0.36, but PyPI's torch==2.7.1 wheel carries one (CUDA 12.6, its cuDNN/cuBLAS/NCCL from the
# nvidia-* wheels it depends on). Idempotent: the venv is reused while the pinned version is unchanged.
#
# Prints the environment a worker needs (also written to $KILN_TORCH_HOME/env, to `source`):
#   PYTORCH_LIBRARY_PATH  a directory of the wheel's libraries that DJL loads instead of its bundled CPU build
#   PYTORCH_VERSION       2.7.1, the libtorch version DJL 0.36 was built against
#   PYTORCH_FLAVOR        cu128: the JNI layer DJL's pytorch-jni jar carries for CUDA (it runs on the wheel's 12.6)
#
# DJL loads every library of PYTORCH_LIBRARY_PATH. The directory it gets is torch/kiln-lib/ next to the wheel's
# torch/lib/, holding links to the libraries without libtorch_python.so (it needs a Python interpreter) and, on a
# machine without the CUDA driver (no libcuda.so.1, a CPU-only machine), without libcaffe2_nvrtc.so, the one library
# that needs the driver to load. Being at the same depth as torch/lib/, the libraries' RPATH ($ORIGIN/../../nvidia/..)
# still finds the nvidia-* wheels' libraries.
set -euo pipefail

version="2.7.1"
home="${KILN_TORCH_HOME:-$HOME/.cache/kiln/torch-$version}"
python="${PYTHON:-python3}"

installed() {
  "$home/bin/python" -c "import importlib.metadata as m; print(m.version('torch'))" 2>/dev/null
}
if [[ ! -x "$home/bin/python" ]] || [[ "$(installed)" != "$version"* ]]; then
  echo "install-pytorch-wheel: installing torch==$version from PyPI into $home (about 5 GB with its CUDA libraries)" >&2
  rm -rf "$home"
  "$python" -m venv "$home"
  "$home/bin/python" -m pip install --quiet --upgrade pip
  "$home/bin/python" -m pip install --quiet "torch==$version"
fi

site="$("$home/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
lib="$site/torch/lib"
kiln_lib="$site/torch/kiln-lib"
# KILN_TORCH_NVRTC=1 keeps it where the driver comes at run time (an image built without a GPU).
has_driver="${KILN_TORCH_NVRTC:-0}"
if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
  has_driver=1
fi
rm -rf "$kiln_lib"
mkdir -p "$kiln_lib"
for f in "$lib"/*.so*; do
  name="$(basename "$f")"
  case "$name" in
    libtorch_python.so) continue ;;
    libcaffe2_nvrtc.so) [[ $has_driver == 1 ]] || continue ;;
  esac
  ln -s "../lib/$name" "$kiln_lib/$name"
done

cat > "$home/env" <<ENV
export PYTORCH_LIBRARY_PATH="$kiln_lib"
export PYTORCH_VERSION="$version"
export PYTORCH_FLAVOR="cu128"
ENV
echo "install-pytorch-wheel: torch $(installed) ready; CUDA driver: $([[ $has_driver == 1 ]] && echo yes || echo 'none (CPU only)')" >&2
cat "$home/env"
