# One image holds both binaries; docker-compose.yml picks one per service.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context has no .git, so the version and revision come as build
# arguments: docker build --build-arg VERSION=$(git describe --tags --always) \
#   --build-arg REVISION=$(git rev-parse HEAD) .
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X github.com/ccflow/ccflow/buildinfo.version=${VERSION} -X github.com/ccflow/ccflow/buildinfo.revision=${REVISION}" \
    -o /out/ ./worker ./starter

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/worker /out/starter /usr/local/bin/
USER nonroot
# The starter's API and pages; the worker's probes and metrics.
EXPOSE 8080 8081
ENTRYPOINT []
