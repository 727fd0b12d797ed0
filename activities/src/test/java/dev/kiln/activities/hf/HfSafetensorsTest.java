package dev.kiln.activities.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.hf.HfFixtures.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class HfSafetensorsTest {
  private static final long[] VECTOR_4 = {4};

  @Test
  void readsTheHeaderTransformersWrites() throws IOException {
    try (SafetensorsFile file = SafetensorsFile.open(HfFixtures.dir("gpt2").resolve("model.safetensors"))) {
      assertEquals(Map.of("format", "pt"), file.metadata());
      assertEquals(2 + 2 + 2 * 12, file.names().size()); // wte, wpe, ln_f (2), 12 per block
      SafetensorsTensor wte = file.tensor("transformer.wte.weight");
      assertEquals(SafetensorsDtype.F32, wte.dtype());
      assertEquals(List.of(280L, 16L), wte.shape());
      assertEquals(280 * 16, file.floats("transformer.wte.weight").length);
      // Conv1D stores [in, out]: the fused q/k/v projection is [n_embd, 3 * n_embd]
      assertEquals(List.of(16L, 48L), file.tensor("transformer.h.0.attn.c_attn.weight").shape());
    }
  }

  @Test
  void aMappedFileReadsTheSameAsItsBytes() throws IOException {
    Path path = HfFixtures.dir("gpt2").resolve("model.safetensors");
    try (SafetensorsFile mapped = SafetensorsFile.open(path);
        SafetensorsFile inMemory = SafetensorsFile.of(Files.readAllBytes(path), "gpt2 bytes")) {
      assertEquals(mapped.tensors(), inMemory.tensors());
      for (String name : mapped.names()) {
        assertArrayEquals(mapped.floats(name), inMemory.floats(name), name);
      }
    }
  }

  @Test
  void fp16VariantIsTheFp32WeightsRoundedToNearestEven() throws IOException {
    int tensors = 0;
    try (SafetensorsFile fp32 = SafetensorsFile.open(HfFixtures.dir("gpt2").resolve("model.safetensors"));
        SafetensorsFile fp16 = SafetensorsFile.open(HfFixtures.dir("gpt2-fp16").resolve("model.safetensors"))) {
      assertEquals(fp32.names(), fp16.names());
      for (String name : fp32.names()) {
        assertEquals(SafetensorsDtype.F16, fp16.tensor(name).dtype());
        float[] full = fp32.floats(name);
        float[] half = fp16.floats(name);
        for (int i = 0; i < full.length; i++) {
          assertEquals(nearestF16(full[i]), half[i], 0f, name + "[" + i + "] of " + full[i]);
          // |error| <= half an ulp of binary16 (11 significant bits): relative 2^-11, absolute 2^-25 near zero
          assertTrue(Math.abs(half[i] - full[i]) <= Math.max(Math.abs(full[i]) * 0x1p-11f, 0x1p-25f), name);
        }
        tensors++;
      }
    }
    assertEquals(28, tensors);
  }

  @Test
  void bf16VariantIsTheFp32WeightsRoundedToNearestEven() throws IOException {
    try (SafetensorsFile fp32 = SafetensorsFile.open(HfFixtures.dir("gpt2").resolve("model.safetensors"));
        SafetensorsFile bf16 = SafetensorsFile.open(HfFixtures.dir("gpt2-bf16").resolve("model.safetensors"))) {
      for (String name : fp32.names()) {
        assertEquals(SafetensorsDtype.BF16, bf16.tensor(name).dtype());
        float[] full = fp32.floats(name);
        float[] brain = bf16.floats(name);
        for (int i = 0; i < full.length; i++) {
          int bits = Float.floatToRawIntBits(full[i]);
          int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
          assertEquals(Float.intBitsToFloat(rounded), brain[i], 0f, name + "[" + i + "]");
          assertTrue(Math.abs(brain[i] - full[i]) <= Math.abs(full[i]) * 0x1p-8f, name); // 8 significant bits
        }
      }
    }
  }

  @Test
  void f16WidensEveryBitPatternExactly() {
    for (int bits = 0; bits < 0x10000; bits++) {
      int sign = bits >>> 15;
      int exponent = (bits >>> 10) & 0x1f;
      int mantissa = bits & 0x3ff;
      double expected =
          exponent == 0x1f
              ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
              : exponent == 0 ? Math.scalb((double) mantissa, -24) : Math.scalb(1024.0 + mantissa, exponent - 25);
      float actual = HalfFloats.f16ToFloat((short) bits);
      if (Double.isNaN(expected)) {
        assertTrue(Float.isNaN(actual), Integer.toHexString(bits));
      } else {
        assertEquals(sign == 1 ? -expected : expected, actual, 0.0, Integer.toHexString(bits));
        assertEquals(sign == 1, (Float.floatToRawIntBits(actual) >>> 31) == 1, "sign of " + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void decodesF16AndBf16SpecialValues() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long[] nine = {9};
    tensors.put("h", Tensor.bits16("F16", nine, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3c00));
    tensors.put("b", Tensor.bits16("BF16", VECTOR_4, 0x0001, 0x7f80, 0xff80, 0x3f80));
    try (SafetensorsFile file = SafetensorsFile.of(HfFixtures.safetensors(tensors), "special.safetensors")) {
      float[] h = file.floats("h");
      assertEquals(0x1p-24f, h[0]); // smallest subnormal
      assertEquals(1023 * 0x1p-24f, h[1]); // largest subnormal
      assertEquals(0x1p-14f, h[2]); // smallest normal
      assertEquals(65504f, h[3]); // largest finite
      assertEquals(Float.POSITIVE_INFINITY, h[4]);
      assertEquals(Float.NEGATIVE_INFINITY, h[5]);
      assertTrue(Float.isNaN(h[6]));
      assertEquals(0x80000000, Float.floatToRawIntBits(h[7])); // -0.0
      assertEquals(1f, h[8]);
      float[] b = file.floats("b");
      assertEquals(0x1p-133f, b[0]);
      assertEquals(Float.POSITIVE_INFINITY, b[1]);
      assertEquals(Float.NEGATIVE_INFINITY, b[2]);
      assertEquals(1f, b[3]);
    }
  }

  @Test
  void readsIntegerTensors() throws IOException {
    ByteBuffer i64 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    i64.putLong(0).putLong(-1).putLong(Long.MAX_VALUE);
    ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    i32.putInt(7).putInt(Integer.MIN_VALUE);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("position_ids", new Tensor("I64", new long[] {1, 3}, i64.array()));
    tensors.put("ids", new Tensor("I32", new long[] {2}, i32.array()));
    try (SafetensorsFile file = SafetensorsFile.of(HfFixtures.safetensors(tensors), "ints.safetensors")) {
      assertArrayEquals(new long[] {0, -1, Long.MAX_VALUE}, file.longs("position_ids"));
      assertArrayEquals(new long[] {7, Integer.MIN_VALUE}, file.longs("ids"));
      assertMessage(() -> file.floats("ids"), "ints.safetensors", "tensor ids is I32", "floats() reads F32");
    }
  }

  @Test
  void shardedCheckpointEqualsTheSingleFile() throws IOException {
    try (SafetensorsCheckpoint single = SafetensorsCheckpoint.open(HfFileSource.directory(HfFixtures.dir("gpt2")));
        SafetensorsCheckpoint sharded =
            SafetensorsCheckpoint.open(HfFileSource.directory(HfFixtures.dir("gpt2-sharded")))) {
      assertFalse(single.sharded());
      assertTrue(sharded.sharded());
      assertTrue(sharded.files().size() >= 2, "shards: " + sharded.files().size());
      assertEquals(single.names(), sharded.names());
      for (String name : single.names()) {
        assertEquals(single.tensor(name).shape(), sharded.tensor(name).shape(), name);
        assertArrayEquals(single.floats(name), sharded.floats(name), name);
      }
      assertTrue(sharded.fileOf("transformer.wte.weight").source().endsWith(".safetensors"));
    }
  }

  @Test
  void missingShardNamesTheIndexAndTheShard(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2-sharded", tmp);
    Files.delete(dir.resolve("model-00003-of-00006.safetensors"));
    HfMissingFileException e =
        assertThrows(HfMissingFileException.class, () -> SafetensorsCheckpoint.open(HfFileSource.directory(dir)));
    assertEquals("model-00003-of-00006.safetensors", e.fileName());
    assertMessage(e, "model.safetensors.index.json", "model-00003-of-00006.safetensors", "download every shard");
  }

  @Test
  void indexThatMapsATensorToTheWrongShardIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2-sharded", tmp);
    Path index = dir.resolve("model.safetensors.index.json");
    String json = HfFixtures.read(index);
    String moved =
        json.replaceFirst(
            "(\"transformer.wte.weight\": \")model-0000\\d-of-00006", "$1model-00001-of-00006")
            .replaceFirst("(\"transformer.h.0.ln_1.bias\": \")model-0000\\d-of-00006", "$1model-00006-of-00006");
    Files.writeString(index, moved);
    assertMessage(
        () -> SafetensorsCheckpoint.open(HfFileSource.directory(dir)),
        "model.safetensors.index.json maps tensor transformer.h.0.ln_1.bias to model-00006-of-00006.safetensors",
        "which has no such tensor");
  }

  @Test
  void indexThatClimbsOutOfTheDirectoryIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("m"));
    Files.writeString(
        dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"../elsewhere.safetensors\"}}");
    assertMessage(() -> SafetensorsCheckpoint.open(HfFileSource.directory(dir)), "../elsewhere.safetensors",
        "points outside the model directory");
  }

  @Test
  void truncatedRealFileNamesTheFileAndTheTensor(@TempDir Path tmp) throws IOException {
    byte[] whole = Files.readAllBytes(HfFixtures.dir("gpt2").resolve("model.safetensors"));
    Path cut = tmp.resolve("model.safetensors");
    Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
    assertMessage(() -> SafetensorsFile.open(cut), cut.toString(), "tensor transformer.wte.weight",
        "reach past the end of the data", "truncated");
    Files.write(cut, Arrays.copyOf(whole, 5));
    assertMessage(() -> SafetensorsFile.open(cut), cut.toString(), "is 5 bytes, too short");
    Files.write(cut, Arrays.copyOf(whole, 200));
    assertMessage(() -> SafetensorsFile.open(cut), cut.toString(), "but only 192 follow the length", "truncated");
  }

  @Test
  void malformedHeadersGiveTheirOwnMessages() {
    byte[] sixteen = new byte[16];
    assertBad(HfFixtures.raw("{not json", sixteen), "header that is not valid JSON");
    assertBad(HfFixtures.raw("[1, 2]", new byte[0]), "not a JSON object");
    assertBad(HfFixtures.raw(header("a", "F12", "[4]", "[0, 16]"), sixteen), "tensor a: dtype \"F12\" is not one");
    assertBad(HfFixtures.raw(header("a", "F32", "[4]", "[0, 32]"), sixteen), "tensor a: data_offsets [0, 32] reach past");
    assertBad(HfFixtures.raw(header("a", "F32", "[4]", "[0, 12]"), sixteen),
        "tensor a: shape [4] of F32 is 16 bytes but data_offsets [0, 12] hold 12");
    assertBad(HfFixtures.raw(header("a", "F32", "[4]", "[8, 4]"), sixteen), "tensor a: data_offsets [8, 4] end before");
    assertBad(HfFixtures.raw(header("a", "F32", "[4]", "[0, 16]"), new byte[20]), "4 bytes after its last tensor");
    assertBad(HfFixtures.raw(header("a", "F32", "[-4]", "[0, 16]"), sixteen), "tensor a: shape \"[-4]\" is not a list of sizes");
    assertBad(HfFixtures.raw(header("a", "F32", "[4]", "[0]"), sixteen), "tensor a: data_offsets is not a pair");
    String two = "{\"a\":" + entry("F32", "[2]", "[0, 8]") + ",\"b\":" + entry("F32", "[2]", "[4, 12]") + "}";
    assertBad(HfFixtures.raw(two, new byte[12]), "tensor b: data_offsets [4, 12] overlap those of tensor a [0, 8]");
    String gap = "{\"a\":" + entry("F32", "[2]", "[0, 8]") + ",\"b\":" + entry("F32", "[1]", "[12, 16]") + "}";
    assertBad(HfFixtures.raw(gap, sixteen), "tensor b: data_offsets begin at 12, leaving bytes 8..12");
    String dup = "{\"a\":" + entry("F32", "[2]", "[0, 8]") + ",\"a\":" + entry("F32", "[2]", "[8, 16]") + "}";
    assertBad(HfFixtures.raw(dup, sixteen), "names one tensor twice");
    assertBad(HfFixtures.raw("{\"__metadata__\": {\"format\": 1}}", new byte[0]), "__metadata__.format that is not a string");
    byte[] huge = HfFixtures.raw("{}", new byte[0]);
    huge[7] = 0x7f; // header length ~ 9e18
    assertBad(huge, "more than the format's limit");
    byte[] notUtf8 = HfFixtures.raw("{\"\u00e9\":1}", new byte[0]);
    notUtf8[10] = (byte) 0xff;
    assertBad(notUtf8, "not UTF-8");
  }

  @Test
  void anEmptyFileWithOnlyMetadataIsValid() {
    SafetensorsFile file = SafetensorsFile.of(HfFixtures.raw("{\"__metadata__\":{\"format\":\"pt\"}}  ", new byte[0]), "e");
    assertTrue(file.names().isEmpty());
    assertEquals("pt", file.metadata().get("format"));
  }

  private static String header(String name, String dtype, String shape, String offsets) {
    return "{\"" + name + "\":" + entry(dtype, shape, offsets) + "}";
  }

  private static String entry(String dtype, String shape, String offsets) {
    return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
  }

  private static void assertBad(byte[] bytes, String expected) {
    assertMessage(() -> SafetensorsFile.of(bytes, "bad.safetensors"), "bad.safetensors: ", expected);
  }

  static void assertMessage(Executable call, String... parts) {
    assertMessage(assertThrows(HfImportException.class, call), parts);
  }

  static void assertMessage(Throwable e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "expected \"" + part + "\" in: " + e.getMessage());
    }
  }

  /** binary16 nearest to {@code f}, ties to even, by search over every finite binary16 value. */
  private static float nearestF16(float f) {
    float best = Float.NaN;
    int bestBits = 0;
    double bestError = Double.POSITIVE_INFINITY;
    int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
    for (int bits = 0; bits < 0x7c00; bits++) {
      float candidate = HalfFloats.f16ToFloat((short) (bits | sign));
      double error = Math.abs((double) candidate - f);
      if (error < bestError || (error == bestError && (bits & 1) == 0 && (bestBits & 1) == 1)) {
        best = candidate;
        bestBits = bits;
        bestError = error;
      }
    }
    return best;
  }
}
