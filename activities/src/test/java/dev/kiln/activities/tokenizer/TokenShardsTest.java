package dev.kiln.activities.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.tokenizer.TokenManifest.Shard;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenShardsTest {

  @Test
  void packsDocumentsWithEosIntoFixedSizeShardsAndReadsThemBack() {
    Map<String, byte[]> written = new LinkedHashMap<>();
    TokenShards train = new TokenShards("train", 4096, 0, 4, written::put);
    train.addDocument(new int[] {10, 11, 12});
    train.addDocument(new int[] {4095, 65});
    train.addDocument(new int[] {7});
    List<Shard> shards = train.finish();

    assertEquals(List.of("train-00000.bin", "train-00001.bin", "train-00002.bin"), List.copyOf(written.keySet()));
    assertEquals(List.of(4L, 4L, 1L), shards.stream().map(Shard::tokens).toList());
    assertEquals(8, written.get("train-00000.bin").length, "two bytes per token");
    assertArrayEquals(new int[] {10, 11, 12, 0}, TokenShards.readShard(written.get("train-00000.bin")));
    assertArrayEquals(new int[] {10, 11, 12, 0, 4095, 65, 0, 7, 0}, TokenShards.readAll(new ArrayList<>(written.values())));
    for (Shard shard : shards) {
      assertEquals(TokenShards.sha256Hex(written.get(shard.name())), shard.sha256());
    }
  }

  @Test
  void lastShardIsShorterAndLittleEndian() {
    Map<String, byte[]> written = new LinkedHashMap<>();
    TokenShards heldOut = new TokenShards("heldout", 65536, 1, 1000, written::put);
    heldOut.addDocument(new int[] {0x1234, 65535});
    List<Shard> shards = heldOut.finish();
    assertEquals(1, shards.size());
    assertEquals(3, shards.get(0).tokens());
    assertArrayEquals(new byte[] {0x34, 0x12, (byte) 0xFF, (byte) 0xFF, 1, 0}, written.get("heldout-00000.bin"));
  }

  @Test
  void manifestRoundTripsThroughJson() {
    TokenManifest manifest = new TokenManifest(TokenManifest.UINT16, 4096, 0,
        List.of(new Shard("train-00000.bin", 4, "ab"), new Shard("train-00001.bin", 2, "cd")),
        List.of(new Shard("heldout-00000.bin", 3, "ef")));
    String json = manifest.toJson();
    assertEquals(manifest, TokenManifest.fromJson(json));
    assertEquals(6, manifest.trainTokens());
    assertTrue(json.contains("\"dtype\" : \"uint16\""), json);
  }

  @Test
  void vocabulariesBeyondUint16AreStoredAs32BitTokens() {
    Map<String, byte[]> written = new LinkedHashMap<>();
    int llama3Vocab = 128_256;
    TokenShards train = new TokenShards("train", llama3Vocab, 128_001, 3, written::put);
    assertEquals(TokenManifest.UINT32, train.dtype());
    train.addDocument(new int[] {65_535, 65_536, 128_255});
    train.addDocument(new int[] {7});
    List<TokenManifest.Shard> shards = train.finish();
    assertEquals(List.of(3L, 3L), shards.stream().map(TokenManifest.Shard::tokens).toList());
    assertEquals(12, written.get("train-00000.bin").length, "three 4-byte tokens");
    assertArrayEquals(new int[] {65_535, 65_536, 128_255, 128_001, 7, 128_001},
        TokenShards.readAll(new ArrayList<>(written.values()), TokenManifest.UINT32));
    assertEquals(TokenManifest.UINT16, TokenShards.dtypeFor(65_536), "ids up to 65,535 still fit two bytes");
    assertEquals(TokenManifest.UINT32, TokenShards.dtypeFor(65_537));
  }

  @Test
  void rejectsAnIdOutsideTheVocabulary() {
    TokenShards shards = new TokenShards("train", 4096, 0, 16, (n, c) -> {});
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> shards.addDocument(new int[] {4096}));
    assertTrue(error.getMessage().contains("4096"), error.getMessage());
  }

  @Test
  void heldOutSplitIsStableAndNearTheFraction() {
    long heldOut = IntStream.range(0, 10_000).filter(i -> TokenShards.isHeldOut("doc-" + i, 0.1)).count();
    assertTrue(heldOut > 900 && heldOut < 1100, "held out " + heldOut);
    assertEquals(TokenShards.isHeldOut("gutenberg/austen-emma.txt", 0.5), TokenShards.isHeldOut("gutenberg/austen-emma.txt", 0.5));
  }
}
