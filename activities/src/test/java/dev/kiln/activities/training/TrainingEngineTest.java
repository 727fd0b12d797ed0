package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TrainingEngineTest {

  @Test
  void aSectionWaitsForTheHolderAndReportsWhileItWaits() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> order = new CopyOnWriteArrayList<>();
    Thread holder = new Thread(() -> TrainingEngine.exclusive(() -> {}, () -> {
      held.countDown();
      await(release);
      order.add("holder");
      return null;
    }));
    holder.start();
    assertTrue(held.await(10, TimeUnit.SECONDS));

    AtomicInteger waitingCalls = new AtomicInteger();
    long contended = TrainingEngine.contended();
    Thread waiter = new Thread(() -> TrainingEngine.exclusive(() -> {
      if (waitingCalls.incrementAndGet() == 2) {
        release.countDown(); // the holder lets go only once the waiter has said twice that it waits
      }
    }, () -> order.add("waiter")));
    waiter.start();
    waiter.join(20_000);
    holder.join(10_000);

    assertEquals(List.of("holder", "waiter"), order, "never both in the engine at once");
    assertTrue(waitingCalls.get() >= 2, "called while waiting: " + waitingCalls.get());
    assertEquals(contended + 1, TrainingEngine.contended());
  }

  @Test
  void aFreeEngineIsTakenAtOnceWithoutWaitingCalls() {
    AtomicInteger waitingCalls = new AtomicInteger();
    assertEquals("done", TrainingEngine.exclusive(waitingCalls::incrementAndGet, () -> "done"));
    assertEquals(0, waitingCalls.get());
  }

  @Test
  void theEngineIsReleasedWhenTheSectionThrows() throws Exception {
    try {
      TrainingEngine.exclusive(() -> {}, () -> {
        throw new IllegalStateException("step failed");
      });
    } catch (IllegalStateException expected) {
      // the step's failure is the caller's
    }
    AtomicInteger waitingCalls = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    Thread other = new Thread(() -> TrainingEngine.exclusive(waitingCalls::incrementAndGet, ran::incrementAndGet));
    other.start();
    other.join(5_000);
    assertEquals(1, ran.get(), "another thread takes the engine");
    assertEquals(0, waitingCalls.get(), "at once: the failed section left it free");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
