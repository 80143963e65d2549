# genai-batch as a container image: the shaded jar on a Java 17 runtime, run as a non-root user.
# Build the jar first, then the image:
#   ./mvnw -B -DskipTests package && docker build -t genai-batch:local .
# Every command of the CLI works (`docker run --rm genai-batch:local --help`); the default is `run`.
FROM eclipse-temurin:17-jre

# curl for the health check only; the runtime image has no other HTTP client.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 genai \
    && useradd --system --uid 10001 --gid genai --home-dir /var/lib/genai-batch --create-home --shell /usr/sbin/nologin genai

COPY target/genai-batch.jar /opt/genai-batch/genai-batch.jar
COPY config/genai-batch.yaml /etc/genai-batch/genai-batch.yaml

# The roles' local caches (accumulator state, submit spool, poll cache) default to genai-batch-data/ under the
# working directory: a volume here keeps them across container restarts (they are caches; Kafka holds the truth).
WORKDIR /var/lib/genai-batch
VOLUME /var/lib/genai-batch
USER 10001:10001

# The HTTP port of `run` (http.port): /metrics, /health/live, /health/ready. It binds http.host, 127.0.0.1 by
# default: set http.host=0.0.0.0 to publish it (docker-compose.yml does).
# The health check asks the port in GENAI_BATCH_HEALTHCHECK_PORT. It only tells the health check where to ask, the
# service does not read it: running with another --http-port (or http.port), set both to the same value
# (docker run -e GENAI_BATCH_HEALTHCHECK_PORT=9090 ... run --http-port 9090).
ENV GENAI_BATCH_HEALTHCHECK_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${GENAI_BATCH_HEALTHCHECK_PORT:-8080}/health/ready" || exit 1

# Half the container's memory for the heap, the rest for RocksDB and buffers (docs/OPERATIONS.md, "Sizing").
ENV JAVA_OPTS="-XX:MaxRAMPercentage=50"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/genai-batch/genai-batch.jar \"$@\"", "genai-batch"]
CMD ["run", "--config", "/etc/genai-batch/genai-batch.yaml"]
