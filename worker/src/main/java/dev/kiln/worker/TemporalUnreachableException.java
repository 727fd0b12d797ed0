package dev.kiln.worker;

import java.time.Duration;

/** No Temporal frontend answered at an address within a bounded wait. */
public final class TemporalUnreachableException extends RuntimeException {
  private final String address;

  public TemporalUnreachableException(String address, Duration waited, Throwable cause) {
    super("no Temporal frontend answered at " + address + " within " + waited.toSeconds() + " s"
        + (cause == null || reason(cause).equals("DEADLINE_EXCEEDED") ? "" : " (" + reason(cause) + ")"), cause);
    this.address = address;
  }

  public String address() {
    return address;
  }

  private static String reason(Throwable cause) {
    if (cause instanceof io.grpc.StatusRuntimeException s) {
      String d = s.getStatus().getDescription();
      String code = s.getStatus().getCode().name();
      if (d == null || d.isBlank() || s.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
        return code;
      }
      d = d.lines().findFirst().orElse("");
      return code + ": " + (d.length() > 100 ? d.substring(0, 100) + "..." : d);
    }
    return cause.getClass().getSimpleName();
  }
}
