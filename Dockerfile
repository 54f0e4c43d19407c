# The operator image: mvn -DskipTests package && docker build -t <registry>/keymint:0.1.0 .
FROM eclipse-temurin:17-jre
WORKDIR /opt/keymint
COPY target/lib/ lib/
COPY target/keymint.jar keymint.jar
USER 65532:65532
# an OutOfMemoryError ends the process, so Kubernetes restarts it rather than leaving it half alive
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/keymint/keymint.jar"]
CMD ["run"]
