package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** What every Keymint status has: kstatus conditions and the failure counter behind the backoff. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class KeymintStatus {
  public Long observedGeneration;
  public List<Condition> conditions = new ArrayList<>();
  /** Transient failures in a row; reset by success. */
  public Integer failedAttempts;
  public String lastFailureTime;

  @JsonIgnore
  public Condition condition(String type) {
    return Condition.find(conditions, type);
  }

  @JsonIgnore
  public boolean isReady() {
    Condition ready = condition(Condition.READY);
    return ready != null && "True".equals(ready.status);
  }
}
