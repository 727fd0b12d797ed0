package dev.kiln.bench.curation;

import dev.kiln.activities.curation.MinHashDeduplicator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Memory and time of global MinHash dedup over a million documents' signatures (14 x 8, as FineWeb), 10 % of
 * them near copies of earlier ones. Run its main method with the kiln-bench module's classpath (docs/benchmarks.md) and
 * {@code -Xmx2g}: the signatures stream in as the shards' files would, and only band keys stay in memory. Argument:
 * the number of documents (default 1,000,000).
 */
public final class MinHashDedupBenchmark {

  public static void main(String[] args) {
    int documents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int bands = 14;
    int rows = 8;
    SplittableRandom random = new SplittableRandom(1);
    long start = System.nanoTime();
    MinHashDeduplicator dedup = new MinHashDeduplicator(bands, rows, documents);
    int[] previous = new int[bands * rows];
    int planted = 0;
    for (int doc = 0; doc < documents; doc++) {
      int[] signature = new int[bands * rows];
      if (doc > 0 && random.nextInt(10) == 0) {
        // a near copy of the previous document: most values agree, a few differ
        System.arraycopy(previous, 0, signature, 0, signature.length);
        for (int i = 0; i < 10; i++) {
          signature[random.nextInt(signature.length)] = random.nextInt(Integer.MAX_VALUE);
        }
        planted++;
      } else {
        for (int i = 0; i < signature.length; i++) {
          signature[i] = random.nextInt(Integer.MAX_VALUE);
        }
      }
      dedup.add(signature);
      previous = signature;
    }
    double addSeconds = (System.nanoTime() - start) / 1e9;
    BitSet duplicates = dedup.duplicates();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.gc();
    long peakHeap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peakHeap += pool.getPeakUsage().getUsed();
      }
    }
    Runtime runtime = Runtime.getRuntime();
    System.out.printf("%,d signatures (%d x %d), %,d planted near copies, %,d found as duplicates%n",
        documents, bands, rows, planted, duplicates.cardinality());
    System.out.printf("banding %.1f s, clustering %.1f s; heap: peak %,d MB (sum of pool peaks), after GC %,d MB, max %,d MB%n",
        addSeconds, seconds - addSeconds, peakHeap >> 20, (runtime.totalMemory() - runtime.freeMemory()) >> 20,
        runtime.maxMemory() >> 20);
  }
}
