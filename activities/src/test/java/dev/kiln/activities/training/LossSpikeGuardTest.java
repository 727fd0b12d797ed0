package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LossSpikeGuardTest {

  @Test
  void nothingIsASpikeUntilTheWindowIsFull() {
    LossSpikeGuard guard = new LossSpikeGuard(3.0, 4, List.of());
    guard.accept(1.0);
    guard.accept(1.0);
    guard.accept(1.0);
    assertNull(guard.reject(100.0), "three losses do not make a window of four");
    guard.accept(1.0);
    String reason = guard.reject(3.5);
    assertNotNull(reason);
    assertTrue(reason.contains("3.5000 > 3.0 x moving average 1.0000"), reason);
    assertNull(guard.reject(2.9));
  }

  @Test
  void theWindowSlidesAndTravelsInCheckpoints() {
    LossSpikeGuard guard = new LossSpikeGuard(2.0, 3, List.of(9.0, 9.0, 1.0, 1.0));
    assertEquals(List.of(9.0, 1.0, 1.0), guard.recent());
    guard.accept(1.0);
    assertEquals(1.0, guard.movingAverage(), 1e-12);
    LossSpikeGuard resumed = new LossSpikeGuard(2.0, 3, guard.recent());
    assertEquals(guard.reject(2.5), resumed.reject(2.5), "a resumed run decides as the uninterrupted one");
  }

  @Test
  void nearZeroLossesNeedARealJumpNotJustARatio() {
    LossSpikeGuard guard = new LossSpikeGuard(3.0, 2, List.of(1e-6, 1e-6));
    assertNull(guard.reject(1e-4), "100x of almost nothing is noise");
    assertNotNull(guard.reject(0.5));
  }

  @Test
  void factorZeroTurnsSpikeDetectionOff() {
    LossSpikeGuard guard = new LossSpikeGuard(0, 1, List.of(0.1));
    assertNull(guard.reject(1e6));
  }
}
