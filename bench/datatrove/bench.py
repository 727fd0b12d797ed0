"""DataTrove's half of the comparison: the same four rule sets, with the thresholds of the same Kiln curation
profile, over the documents Kiln extracted (JSON lines), in one process (one core). Prints documents kept per
step and datatrove_docs_per_second=..."""
import json
import sys
import time

import yaml
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter


def filters(profile):
    """DataTrove filters for the profile's rule steps, in the profile's order."""
    made = []
    for step in profile["steps"]:
        (kind, s), = step.items()
        if kind == "gopherRepetition":
            made.append(("gopher-repetition", GopherRepetitionFilter(
                dup_line_frac=s["maxDuplicateLineFraction"], dup_para_frac=s["maxDuplicateParagraphFraction"],
                dup_line_char_frac=s["maxDuplicateLineCharFraction"], dup_para_char_frac=s["maxDuplicateParagraphCharFraction"],
                top_n_grams=tuple(sorted(s["maxTopNGramCharFraction"].items())),
                dup_n_grams=tuple(sorted(s["maxDuplicateNGramCharFraction"].items())))))
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


def kept(result):
    return result[0] if isinstance(result, tuple) else result


def main(profile_path, documents_path):
    with open(profile_path) as f:
        rules = filters(yaml.safe_load(f))
    with open(documents_path) as f:
        documents = [json.loads(line) for line in f]
    current = [Document(text=d["text"], id=d["id"]) for d in documents]
    start = time.perf_counter()
    for name, rule in rules:
        current = [doc for doc in current if kept(rule.filter(doc))]
        print(f"datatrove {name:<18} kept {len(current):,}")
    seconds = time.perf_counter() - start
    print(f"datatrove: {len(documents):,} documents in {seconds:.2f} s in one process")
    print(f"datatrove_docs_per_second={len(documents) / seconds:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
