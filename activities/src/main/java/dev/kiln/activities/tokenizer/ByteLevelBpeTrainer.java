package dev.kiln.activities.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a GPT-2 style byte-level BPE (Sennrich et al. 2016; Radford et al. 2019) and writes it as a Hugging
 * Face {@code tokenizer.json}. Text is split with GPT-2's pre-tokenization regex, each piece is seen as its
 * UTF-8 bytes, and merges are learned on the table of distinct pieces and their frequencies, so the cost
 * depends on the number of distinct words, not on the corpus size. Pair counts are updated incrementally:
 * a merge only revisits the words that contain the merged pair.
 *
 * <p>Vocabulary layout: {@code <|endoftext|>} = 0, {@code <|pad|>} = 1, the 256 byte symbols = 2..257 in
 * byte order, then one token per merge in the order learned.
 *
 * <p>Sampling: only the first {@code maxTrainingChars} characters of the corpus (texts in the order given,
 * the last one cut) are read. Merges depend on word frequencies, which a 10 MB sample estimates well, and
 * this bounds training time whatever the corpus size.
 */
public final class ByteLevelBpeTrainer {

  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final String PAD = "<|pad|>";
  public static final long DEFAULT_MAX_TRAINING_CHARS = 10_000_000;

  private static final List<String> SPECIAL_TOKENS = List.of(END_OF_TEXT, PAD);
  private static final int FIRST_BYTE_ID = SPECIAL_TOKENS.size();
  private static final int BASE_VOCAB = FIRST_BYTE_ID + 256;

  /** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each with one leading space. */
  static final Pattern GPT2_PRE_TOKENIZER = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  private final int vocabSize;
  private final long maxTrainingChars;

  public ByteLevelBpeTrainer(int vocabSize) {
    this(vocabSize, DEFAULT_MAX_TRAINING_CHARS);
  }

  public ByteLevelBpeTrainer(int vocabSize, long maxTrainingChars) {
    if (vocabSize <= BASE_VOCAB) {
      throw new IllegalArgumentException("vocabSize must exceed the " + BASE_VOCAB + " special and byte tokens");
    }
    this.vocabSize = vocabSize;
    this.maxTrainingChars = maxTrainingChars;
  }

  /** Returns the trained tokenizer as {@code tokenizer.json} text. */
  public String train(Iterable<String> texts) {
    Map<String, Integer> wordFrequencies = countWords(texts);
    List<String> tokens = new ArrayList<>(SPECIAL_TOKENS);
    for (int b = 0; b < 256; b++) {
      tokens.add(ByteLevel.symbolOf(b));
    }
    List<String> merges = new MergeLearner(wordFrequencies, tokens).learn(vocabSize - BASE_VOCAB);
    return toJson(tokens, merges);
  }

  private Map<String, Integer> countWords(Iterable<String> texts) {
    Map<String, Integer> frequencies = new HashMap<>();
    long budget = maxTrainingChars;
    for (String text : texts) {
      if (budget <= 0) {
        break;
      }
      String sample = text.length() > budget ? text.substring(0, (int) budget) : text;
      budget -= sample.length();
      Matcher matcher = GPT2_PRE_TOKENIZER.matcher(sample);
      while (matcher.find()) {
        frequencies.merge(matcher.group(), 1, Integer::sum);
      }
    }
    return frequencies;
  }

  /** The merge loop over the word-frequency table. */
  private static final class MergeLearner {
    private record Candidate(long pair, long count) {}

    private final int[][] words;
    private final int[] frequencies;
    private final List<String> tokens;
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
    /** Most frequent pair first; ties go to the lower ids, so training is deterministic. */
    private final PriorityQueue<Candidate> queue = new PriorityQueue<>(
        Comparator.comparingLong(Candidate::count).reversed().thenComparingLong(Candidate::pair));

    MergeLearner(Map<String, Integer> wordFrequencies, List<String> tokens) {
      this.tokens = tokens;
      List<String> distinct = new ArrayList<>(wordFrequencies.keySet());
      distinct.sort(null);
      words = new int[distinct.size()][];
      frequencies = new int[distinct.size()];
      for (int w = 0; w < distinct.size(); w++) {
        byte[] bytes = distinct.get(w).getBytes(StandardCharsets.UTF_8);
        words[w] = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
          words[w][i] = FIRST_BYTE_ID + (bytes[i] & 0xFF);
        }
        frequencies[w] = wordFrequencies.get(distinct.get(w));
        countPairs(w, frequencies[w]);
      }
      pairCounts.forEach((pair, count) -> queue.add(new Candidate(pair, count)));
    }

    List<String> learn(int mergeCount) {
      List<String> merges = new ArrayList<>(mergeCount);
      while (merges.size() < mergeCount) {
        Candidate best = queue.poll();
        if (best == null) {
          throw new IllegalArgumentException(
              "corpus too small: no pairs left after " + merges.size() + " of " + mergeCount + " merges");
        }
        long current = pairCounts.getOrDefault(best.pair(), 0L);
        if (current != best.count()) {
          if (current > 0) {
            queue.add(new Candidate(best.pair(), current)); // stale entry: requeue with today's count
          }
          continue;
        }
        int left = (int) (best.pair() >>> 32);
        int right = (int) best.pair();
        int merged = tokens.size();
        tokens.add(tokens.get(left) + tokens.get(right));
        merges.add(tokens.get(left) + " " + tokens.get(right));
        applyMerge(best.pair(), left, right, merged);
      }
      return merges;
    }

    private void applyMerge(long pair, int left, int right, int merged) {
      Set<Long> grown = new HashSet<>();
      for (int w : wordsWithPair.remove(pair)) {
        int[] symbols = words[w];
        if (!contains(symbols, left, right)) {
          continue;
        }
        countPairs(w, -frequencies[w]);
        words[w] = replace(symbols, left, right, merged);
        for (int i = 0; i + 1 < words[w].length; i++) {
          if (words[w][i] == merged || words[w][i + 1] == merged) {
            grown.add(key(words[w][i], words[w][i + 1]));
          }
        }
        countPairs(w, frequencies[w]);
      }
      pairCounts.remove(pair);
      for (long newPair : grown) {
        queue.add(new Candidate(newPair, pairCounts.get(newPair)));
      }
    }

    private void countPairs(int w, int delta) {
      int[] symbols = words[w];
      for (int i = 0; i + 1 < symbols.length; i++) {
        long pair = key(symbols[i], symbols[i + 1]);
        long count = pairCounts.merge(pair, (long) delta, Long::sum);
        if (count == 0) {
          pairCounts.remove(pair);
        }
        if (delta > 0) {
          wordsWithPair.computeIfAbsent(pair, p -> new HashSet<>()).add(w);
        }
      }
    }

    private static boolean contains(int[] symbols, int left, int right) {
      for (int i = 0; i + 1 < symbols.length; i++) {
        if (symbols[i] == left && symbols[i + 1] == right) {
          return true;
        }
      }
      return false;
    }

    private static int[] replace(int[] symbols, int left, int right, int merged) {
      int[] out = new int[symbols.length];
      int n = 0;
      for (int i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] == left && symbols[i + 1] == right) {
          out[n++] = merged;
          i++;
        } else {
          out[n++] = symbols[i];
        }
      }
      return Arrays.copyOf(out, n);
    }

    private static long key(int left, int right) {
      return ((long) left << 32) | right;
    }
  }

  private static String toJson(List<String> tokens, List<String> merges) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
      added.addObject()
          .put("id", id)
          .put("content", SPECIAL_TOKENS.get(id))
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true);
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(mapper, false, true));
    root.set("post_processor", byteLevel(mapper, false, false));
    root.set("decoder", byteLevel(mapper, true, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < tokens.size(); id++) {
      vocab.put(tokens.get(id), id);
    }
    ArrayNode mergeList = model.putArray("merges");
    merges.forEach(mergeList::add);
    try {
      return mapper.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  /** Same settings as GPT-2's own tokenizer.json; add_prefix_space=false keeps decode(encode(x)) == x. */
  private static ObjectNode byteLevel(ObjectMapper mapper, boolean addPrefixSpace, boolean trimOffsets) {
    return mapper.createObjectNode()
        .put("type", "ByteLevel")
        .put("add_prefix_space", addPrefixSpace)
        .put("trim_offsets", trimOffsets)
        .put("use_regex", true);
  }
}
