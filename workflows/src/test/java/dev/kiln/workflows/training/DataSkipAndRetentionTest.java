package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataSkipAndRetentionTest {

  @Test
  void stepsReadEveryDataIndexOutsideTheSkippedWindowsInOrder() {
    List<DataSkip> skips = List.of(new DataSkip(25, 30, "b"), new DataSkip(10, 20, "a"));
    List<Long> read = IntStream.range(0, 20).mapToObj(s -> DataSkip.dataIndex(s, skips)).toList();
    List<Long> expected = new ArrayList<>();
    for (long i = 0; expected.size() < 20; i++) {
      if (!(i >= 10 && i < 20) && !(i >= 25 && i < 30)) {
        expected.add(i);
      }
    }
    assertEquals(expected, read);
  }

  @Test
  void overlappingWindowsSkipTheirUnionOnce() {
    List<DataSkip> skips = List.of(new DataSkip(5, 10, "a"), new DataSkip(8, 12, "b"), new DataSkip(12, 13, "c"));
    assertEquals(4, DataSkip.dataIndex(4, skips));
    assertEquals(13, DataSkip.dataIndex(5, skips));
    assertEquals(14, DataSkip.dataIndex(6, skips));
  }

  @Test
  void aSkipAddedAtTheCursorLeavesEarlierStepsAlone() {
    List<DataSkip> skips = new ArrayList<>();
    long cursor = DataSkip.dataIndex(70, skips);
    skips.add(new DataSkip(cursor, 76, "spike at 75"));
    assertEquals(69, DataSkip.dataIndex(69, skips));
    assertEquals(76, DataSkip.dataIndex(70, skips));
  }

  @Test
  void emptyOrReversedWindowsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DataSkip(5, 5, "empty"));
    assertThrows(IllegalArgumentException.class, () -> new DataSkip(-1, 5, "negative"));
  }

  @Test
  void retentionKeepsTheLastKAndEveryMthAndAlwaysTheNewest() {
    Retention retention = new Retention(2, 3, 10);
    List<CheckpointRef> committed = IntStream.rangeClosed(1, 10)
        .mapToObj(i -> new CheckpointRef("p" + i * 10, i * 10, 1.0)).toList();
    assertEquals(List.of(30, 60, 90, 100), retention.retain(committed).stream().map(CheckpointRef::step).toList());
    assertEquals(List.of(10), new Retention(1, 0, 10).retain(committed.subList(0, 1)).stream().map(CheckpointRef::step).toList());
  }
}
