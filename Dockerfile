# hubbub container image: build the one-file binary, run it alone as a non-root user.
#   docker build -t hubbub .
#   docker run -d --name hubbub -p 8080:8080 -v hubbub-data:/var/lib/hubbub \
#     -e HUBBUB_JWT_SECRET="$(head -c 32 /dev/urandom | base64)" \
#     -e HUBBUB_ALLOWED_HOSTS=chat.example.com hubbub   # secret: 32+ bytes; hosts: the name clients use (IP literals always pass)
# See docs/deploy.md (it also says what was and was not tried with this file).

# ---- build: Node 20 + npm, which bring the pinned bun (a devDependency), as CI does ----
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- run: the binary (server, web app, CLI, operator tools) and nothing of the build ----
FROM debian:bookworm-slim
# curl only for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/hubbub --shell /usr/sbin/nologin hubbub \
 && install -d -o hubbub -g hubbub -m 0700 /var/lib/hubbub
COPY --from=build /src/dist/hubbub /usr/local/bin/hubbub

USER hubbub
WORKDIR /var/lib/hubbub
# The database, its -wal/-shm files and the .lock sidecar live here: mount a volume on it.
VOLUME ["/var/lib/hubbub"]

# Listen on all interfaces inside the container. dev auth is refused off loopback, so the
# server needs HUBBUB_JWT_SECRET (docker run -e / an env file / a secret) to start.
ENV HUBBUB_HOST=0.0.0.0 \
    HUBBUB_PORT=8080 \
    HUBBUB_DB=/var/lib/hubbub/hubbub.db
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HUBBUB_PORT}/health" > /dev/null || exit 1

# SIGTERM (docker stop) makes the server save a snapshot and close connections cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hubbub"]
CMD ["serve"]
