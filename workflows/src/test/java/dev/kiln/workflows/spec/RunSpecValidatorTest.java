package dev.kiln.workflows.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.TestSpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunSpecValidatorTest {
  @Test
  void theBundledShapeOfSpecIsValid() {
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.valid()));
  }

  @Test
  void headsThatDoNotDivideDModelAreRejectedWithASuggestion() {
    List<SpecProblem> problems =
        RunSpecValidator.validate(TestSpecs.withTraining(TestSpecs.valid(), TestSpecs.training(0, 100, 2, 3)));
    assertEquals(1, problems.size());
    assertEquals("training.heads", problems.get(0).field());
    assertTrue(problems.get(0).fix().contains("e.g. 2"), problems.get(0).fix());
  }

  @Test
  void aPartlyGivenShapeIsRejected() {
    List<SpecProblem> problems =
        RunSpecValidator.validate(TestSpecs.withTraining(TestSpecs.valid(), TestSpecs.training(0, 128, 0, 0)));
    assertEquals("training.dModel/layers/heads", problems.get(0).field());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    RunSpec s = TestSpecs.valid();
    RunSpec bad = new RunSpec("Bad Name!", new RunSpec.UseCase("poetry", null, List.of()), new RunSpec.Budget(-1, 2, 20),
        s.model(), s.data(), s.curation(), new RunSpec.TokenizerSpec(100), s.training(), s.evaluation(), s.resilience());
    List<String> fields = RunSpecValidator.validate(bad).stream().map(SpecProblem::field).toList();
    assertEquals(List.of("name", "useCase.task", "useCase.languages", "budget.trainingFlops",
        "budget.expectedCurationYield", "tokenizer.vocabSize"), fields);
  }

  @Test
  void theTanhGeluIsForDecoderTasksAndUnknownActivationsAreRefused() {
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.withActivation(TestSpecs.valid(), "gelu_new")));
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.withActivation(TestSpecs.valid(), "gelu")));
    List<SpecProblem> unknown = RunSpecValidator.validate(TestSpecs.withActivation(TestSpecs.valid(), "relu"));
    assertEquals(List.of("training.activation"), unknown.stream().map(SpecProblem::field).toList());
    assertTrue(unknown.get(0).fix().contains("gelu_new"), unknown.get(0).fix());
    RunSpec encoder = TestSpecs.withTask(TestSpecs.withActivation(TestSpecs.valid(), "gelu_new"), "classification");
    List<SpecProblem> notADecoder = RunSpecValidator.validate(encoder);
    assertEquals(List.of("training.activation"), notADecoder.stream().map(SpecProblem::field).toList());
    assertTrue(notADecoder.get(0).problem().contains("not a decoder"), notADecoder.get(0).problem());
  }

  @Test
  void aSpecWithoutAnActivationIsCarriedWithoutTheField() {
    io.temporal.common.converter.DataConverter converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    String json = converter.toPayload(TestSpecs.valid()).orElseThrow().getData().toStringUtf8();
    assertTrue(!json.contains("activation"), json);
    RunSpec tanh = TestSpecs.withActivation(TestSpecs.valid(), "gelu_new");
    assertEquals(tanh, converter.fromPayload(converter.toPayload(tanh).orElseThrow(), RunSpec.class, RunSpec.class));
  }

  @Test
  void theArchitectureIsANetworkOfTheTasksFamily() {
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.withArchitecture(TestSpecs.valid(), "llama")));
    assertEquals(List.of(), RunSpecValidator.validate(
        TestSpecs.withArchitecture(TestSpecs.withTask(TestSpecs.valid(), "classification"), "roberta")));
    List<SpecProblem> wrongFamily = RunSpecValidator.validate(TestSpecs.withArchitecture(TestSpecs.valid(), "bert"));
    assertEquals(List.of("training.architecture"), wrongFamily.stream().map(SpecProblem::field).toList());
    assertTrue(wrongFamily.get(0).problem().contains("encoder") && wrongFamily.get(0).fix().contains("[gpt2, llama]"),
        wrongFamily.toString());
    List<SpecProblem> unknown = RunSpecValidator.validate(TestSpecs.withArchitecture(TestSpecs.valid(), "mamba"));
    assertEquals(List.of("training.architecture"), unknown.stream().map(SpecProblem::field).toList());
    assertTrue(unknown.get(0).fix().contains("the default: gpt2"), unknown.get(0).fix());
    List<SpecProblem> activation = RunSpecValidator.validate(
        TestSpecs.withArchitecture(TestSpecs.withActivation(TestSpecs.valid(), "gelu_new"), "llama"));
    assertEquals(List.of("training.activation"), activation.stream().map(SpecProblem::field).toList());
  }

  @Test
  void aSpecWithoutAnArchitectureIsCarriedWithoutTheField() {
    io.temporal.common.converter.DataConverter converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    String json = converter.toPayload(TestSpecs.valid()).orElseThrow().getData().toStringUtf8();
    assertTrue(!json.contains("\"architecture\""), json);
    RunSpec llama = TestSpecs.withArchitecture(TestSpecs.valid(), "llama");
    assertEquals(llama, converter.fromPayload(converter.toPayload(llama).orElseThrow(), RunSpec.class, RunSpec.class));
  }

  @Test
  void theDecoderComparisonIsForEncoderTasksOnly() {
    RunSpec encoder = TestSpecs.withTask(TestSpecs.valid(), "classification");
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.comparingWithDecoder(encoder, true)));
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.comparingWithDecoder(TestSpecs.valid(), false)));
    List<SpecProblem> decoder = RunSpecValidator.validate(TestSpecs.comparingWithDecoder(TestSpecs.valid(), true));
    assertEquals(1, decoder.size(), decoder.toString());
    assertEquals("evaluation.compareWithDecoder", decoder.get(0).field());
    assertTrue(decoder.get(0).fix().contains("classification, ner"), decoder.get(0).fix());
  }

  private static RunSpec withData(RunSpec s, String format, RunSpec.DataSpec.Fields fields, Integer recordsPerShard) {
    RunSpec.DataSpec d = s.data();
    return new RunSpec(s.name(), s.useCase(), s.budget(), s.model(), new RunSpec.DataSpec(d.rawPrefixes(),
        d.heldOutFraction(), d.documentsPerShard(), d.onlyNew(), d.whenNothingNew(), format, fields, recordsPerShard),
        s.curation(), s.tokenizer(), s.training(), s.evaluation(), s.resilience());
  }

  @Test
  void theDataFormatIsOneOfTheReadFormatsAndAnUnknownOneIsNamedWithThem() {
    for (String format : RunSpec.DataSpec.FORMATS) {
      assertEquals(List.of(), RunSpecValidator.validate(withData(TestSpecs.valid(), format, null, null)), format);
    }
    List<SpecProblem> unknown = RunSpecValidator.validate(withData(TestSpecs.valid(), "arc", null, null));
    assertEquals(1, unknown.size(), unknown.toString());
    assertEquals("data.format", unknown.get(0).field());
    assertTrue(unknown.get(0).problem().contains("'arc'") || unknown.get(0).problem().contains("arc"), unknown.get(0).problem());
    assertTrue(unknown.get(0).fix().contains("auto, warc, jsonl, parquet, html, text"), unknown.get(0).fix());
  }

  @Test
  void recordsPerShardAndFieldNamesAreChecked() {
    RunSpec fine = withData(TestSpecs.valid(), "parquet", new RunSpec.DataSpec.Fields("content", null, null), 500);
    assertEquals(List.of(), RunSpecValidator.validate(fine));
    assertEquals("content", fine.data().fieldsOrDefaults().text());
    assertEquals("id", fine.data().fieldsOrDefaults().id());
    List<SpecProblem> bad = RunSpecValidator.validate(
        withData(TestSpecs.valid(), "jsonl", new RunSpec.DataSpec.Fields(" ", null, null), 0));
    assertEquals(List.of("data.recordsPerShard", "data.fields.text"), bad.stream().map(SpecProblem::field).toList());
  }

  @Test
  void aSpecWithoutTheFormatFieldsIsCarriedWithoutThem() {
    io.temporal.common.converter.DataConverter converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    String json = converter.toPayload(TestSpecs.valid()).orElseThrow().getData().toStringUtf8();
    assertTrue(!json.contains("\"format\"") && !json.contains("\"fields\"") && !json.contains("recordsPerShard"), json);
    RunSpec parquet = withData(TestSpecs.valid(), "parquet", new RunSpec.DataSpec.Fields("content", null, null), 100);
    assertEquals(parquet, converter.fromPayload(converter.toPayload(parquet).orElseThrow(), RunSpec.class, RunSpec.class));
    assertEquals(RunSpec.DataSpec.AUTO, TestSpecs.valid().data().formatOrAuto());
    assertEquals(RunSpec.DataSpec.DEFAULT_RECORDS_PER_SHARD, TestSpecs.valid().data().recordsPerShardOrDefault());
  }

  @Test
  void whenNothingNewTakesSkipOrAllAndOnlyWithOnlyNew() {
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.onlyNew(TestSpecs.valid(), "all")));
    assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.onlyNew(TestSpecs.valid(), null)));
    List<SpecProblem> unknown = RunSpecValidator.validate(TestSpecs.onlyNew(TestSpecs.valid(), "retry"));
    assertEquals("data.whenNothingNew", unknown.get(0).field());
    assertTrue(unknown.get(0).fix().contains("skip") && unknown.get(0).fix().contains("all"), unknown.get(0).fix());
    RunSpec s = TestSpecs.valid();
    RunSpec withoutOnlyNew = new RunSpec(s.name(), s.useCase(), s.budget(), s.model(),
        new RunSpec.DataSpec(s.data().rawPrefixes(), 0.05, 200, null, "skip"), s.curation(), s.tokenizer(), s.training(), s.evaluation(), s.resilience());
    assertEquals("data.whenNothingNew", RunSpecValidator.validate(withoutOnlyNew).get(0).field());
  }

  @Test
  void devicesOfEveryFormAreAcceptedAndOthersRejectedWithTheForms() {
    for (String device : List.of("cpu", "gpu", "gpu:1", "gpu:all", "gpu:0,1")) {
      assertEquals(List.of(), RunSpecValidator.validate(TestSpecs.withTraining(TestSpecs.valid(), training(16, device))), device);
    }
    List<SpecProblem> problems = RunSpecValidator.validate(TestSpecs.withTraining(TestSpecs.valid(), training(16, "cuda:0")));
    assertEquals(List.of("training.device"), problems.stream().map(SpecProblem::field).toList());
    assertTrue(problems.get(0).fix().contains("gpu:all"), problems.get(0).fix());
  }

  @Test
  void aBatchSmallerThanItsDataParallelGpusIsRejected() {
    List<SpecProblem> problems = RunSpecValidator.validate(TestSpecs.withTraining(TestSpecs.valid(), training(2, "gpu:0,1,2")));
    assertEquals(List.of("training.batchSize"), problems.stream().map(SpecProblem::field).toList());
    assertTrue(problems.get(0).fix().contains("batchSize >= 3"), problems.get(0).fix());
  }

  private static RunSpec.TrainingSpec training(int batchSize, String device) {
    RunSpec.TrainingSpec t = TestSpecs.training(0, 0, 0, 0);
    return new RunSpec.TrainingSpec(t.contextLength(), batchSize, t.steps(), t.dModel(), t.layers(), t.heads(), t.learningRate(),
        t.minLearningRate(), t.warmupSteps(), t.weightDecay(), t.gradClip(), t.dropout(), t.seed(), t.checkpointEvery(),
        t.segmentSteps(), device);
  }
}
