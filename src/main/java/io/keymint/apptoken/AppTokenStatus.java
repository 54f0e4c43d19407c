package io.keymint.apptoken;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keymint.api.TokenStatus;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppTokenStatus extends TokenStatus {
  /** Audience mode: the dedicated client. */
  public String clientId;
  /** Audience mode: the applications whose roles were granted. */
  public List<String> matchedApplications;
}
