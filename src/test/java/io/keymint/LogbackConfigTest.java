package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The production logging configurations keep every HTTP wire logger at WARN, even with the root at DEBUG. */
class LogbackConfigTest {

  /** The wire loggers of the HTTP clients Keymint carries (see the comments in logback.xml). */
  static final List<String> WIRE_LOGGERS = List.of("org.apache.http.wire", "org.apache.http.headers",
      "org.apache.hc.client5.http.wire", "org.apache.hc.client5.http.headers", "org.jboss.resteasy",
      "jdk.internal.httpclient.debug", "jdk.internal.httpclient.hpack.debug", "jdk.httpclient.HttpClient",
      "io.fabric8.kubernetes.client.http", "okhttp3");

  /** Loggers below those names, as the libraries name them. */
  static final List<String> DESCENDANTS = List.of("io.fabric8.kubernetes.client.http.HttpLoggingInterceptor",
      "org.jboss.resteasy.client.jaxrs.internal.ClientInvocation", "okhttp3.OkHttpClient");

  @ParameterizedTest
  @ValueSource(strings = {"logback.xml", "logback-json.xml"})
  void wireLoggersStayAtWarnWhenTheRootIsAtDebug(String file) throws Exception {
    java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
    java.util.logging.Level julRootLevel = julRoot.getLevel();
    LoggerContext context = new LoggerContext();
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(Path.of("src/main/resources", file).toFile());
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.DEBUG);

      assertThat(context.getLogger("io.javaoperatorsdk").isDebugEnabled()).as("the root is at DEBUG").isTrue();
      for (String name : WIRE_LOGGERS) {
        assertThat(context.getLogger(name).getEffectiveLevel()).as(name).isEqualTo(Level.WARN);
      }
      for (String name : DESCENDANTS) {
        assertThat(context.getLogger(name).isDebugEnabled()).as(name).isFalse();
      }
      // the JDK client's system loggers go to java.util.logging: the levels are copied there
      for (String name : List.of("jdk.httpclient.HttpClient", "jdk.internal.httpclient.debug")) {
        assertThat(java.util.logging.Logger.getLogger(name).isLoggable(java.util.logging.Level.INFO)).as(name).isFalse();
        assertThat(System.getLogger(name).isLoggable(System.Logger.Level.INFO)).as(name).isFalse();
        assertThat(System.getLogger(name).isLoggable(System.Logger.Level.WARNING)).as(name).isTrue();
      }
    } finally {
      context.stop();
      julRoot.setLevel(julRootLevel);
    }
  }
}
