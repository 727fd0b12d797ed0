package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Special tokens from a model's own tokenizer_config.json, and Kiln's when a tokenizer Kiln trained has none. */
class SpecialTokensTest {
  private static final Path FIXTURES = Path.of("src", "test", "resources", "hf");

  private static byte[] read(String file) throws IOException {
    return Files.readAllBytes(FIXTURES.resolve(file));
  }

  @Test
  void aLlamasTokenizerConfigNamesItsOwnTokens() throws IOException {
    SpecialTokens s = SpecialTokens.beside(HfFileSource.directory(FIXTURES.resolve("llama-gqa-tied")),
        read("llama-gqa-tied/tokenizer.json"));
    assertEquals(new SpecialTokens.Token("<s>", 1), s.bos());
    assertEquals(new SpecialTokens.Token("</s>", 2), s.eos());
    assertEquals(new SpecialTokens.Token("<unk>", 0), s.unk());
    assertNull(s.pad(), "the Llama's tokenizer has no pad token");
    assertNull(s.addBosToken(), "the file does not say: tokenizer.json's post-processor decides");
    assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>"), s.specialTokensMap());
  }

  @Test
  void gpt2sTokenizerConfigHasOnlyEndOfText() throws IOException {
    SpecialTokens s = SpecialTokens.beside(HfFileSource.directory(FIXTURES.resolve("gpt2")), read("gpt2/tokenizer.json"));
    SpecialTokens.Token endOfText = s.eos();
    assertEquals("<|endoftext|>", endOfText.text());
    assertEquals(endOfText, s.bos());
    assertEquals(endOfText, s.unk());
    assertNull(s.pad(), "GPT-2's tokenizer has no <|pad|>");
    assertEquals(Map.of("bos_token_id", endOfText.id(), "eos_token_id", endOfText.id(), "transformers_version",
        HfExportFiles.TRANSFORMERS_VERSION), s.generationConfig());
  }

  @Test
  void aTokenizerKilnTrainedHasKilnsTokens(@TempDir Path dir) throws IOException {
    byte[] tokenizer = new ByteLevelBpeTrainer(270).train(List.of("the cat sat on the mat. ".repeat(20)))
        .getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("tokenizer.json"), tokenizer);
    SpecialTokens s = SpecialTokens.beside(HfFileSource.directory(dir), tokenizer); // no tokenizer_config.json
    assertEquals(SpecialTokens.kilnDefaults(tokenizer), s);
    SpecialTokens.Token endOfText = new SpecialTokens.Token(ByteLevelBpeTrainer.END_OF_TEXT, 0);
    assertEquals(endOfText, s.bos());
    assertEquals(endOfText, s.eos());
    assertEquals(endOfText, s.unk());
    assertEquals(new SpecialTokens.Token(ByteLevelBpeTrainer.PAD, 1), s.pad());
    assertEquals(false, s.addBosToken(), "Kiln places its separators itself");
  }

  @Test
  void tokensMayBeAddedTokenObjectsAndFlagsAreKept() throws IOException {
    byte[] config = """
        {"bos_token": {"__type": "AddedToken", "content": "<s>", "special": true}, "eos_token": "</s>",
         "pad_token": null, "add_bos_token": true, "add_eos_token": false}""".getBytes(StandardCharsets.UTF_8);
    SpecialTokens s = SpecialTokens.fromTokenizerConfig(config, read("llama-gqa-tied/tokenizer.json"), "x/tokenizer_config.json");
    assertEquals(new SpecialTokens.Token("<s>", 1), s.bos());
    assertEquals(2, s.eosId());
    assertNull(s.unk());
    assertNull(s.padId());
    assertEquals(true, s.addBosToken());
    assertEquals(false, s.addEosToken());
  }

  @Test
  void badConfigsAreNamedByFileAndField() throws IOException {
    byte[] llama = read("llama-gqa-tied/tokenizer.json");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpecialTokens.fromTokenizerConfig(
        "{\"eos_token\": \"<|endoftext|>\"}".getBytes(StandardCharsets.UTF_8), llama, "init/tokenizer_config.json"));
    assertEquals("init/tokenizer_config.json: eos_token '<|endoftext|>' is not a token of the tokenizer.json beside it:"
        + " the two files must be the same tokenizer's (save_pretrained writes both)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SpecialTokens.fromTokenizerConfig(
        "{\"bos_token\": 1}".getBytes(StandardCharsets.UTF_8), llama, "init/tokenizer_config.json"));
    assertTrue(e.getMessage().startsWith("init/tokenizer_config.json: bos_token is 1; give the token's text"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SpecialTokens.fromTokenizerConfig(
        "{\"bos_token\": ".getBytes(StandardCharsets.UTF_8), llama, "init/tokenizer_config.json"));
    assertTrue(e.getMessage().startsWith("init/tokenizer_config.json is not valid JSON"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SpecialTokens.kilnDefaults(llama));
    assertTrue(e.getMessage().contains("needs its tokenizer_config.json beside it"), e.getMessage());
  }
}
