# The engine's and the worker's container (docker-compose.yml): Node 20 with the Debian packages
# scripts/bootstrap checks for, so `npm start` installs nothing from apt. The repository is mounted.
FROM node:20-bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      git git-lfs ffmpeg redis-server espeak-ng fonts-dejavu-core docker.io chromium debootstrap xvfb xauth \
      pkg-config build-essential libcairo2-dev libpango1.0-dev libpixman-1-dev libjpeg-dev libgif-dev \
      librsvg2-dev libxi-dev libglu1-mesa-dev libglew-dev python3 \
 && rm -rf /var/lib/apt/lists/*
