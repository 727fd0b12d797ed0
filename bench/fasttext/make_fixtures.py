"""Makes the fastText fixtures of activities/src/test/resources/fasttext/: tiny supervised models trained here on a
few labelled lines (dense .bin, hierarchical softmax, char n-grams 2-4 and word bigrams; softmax without char
n-grams; one-vs-all; the first one product-quantized to .ftz with quantized norms and cut rows; and a 260-label
softmax model quantized with its output matrix, -qout), and goldens:
what fastText's own Python predict returns for a set of texts (ASCII, multi-byte, whitespace of every kind fastText
splits on, label-like tokens), so that FastTextModelTest can hold the Java implementation to them at 1e-5.

With --lid MODEL (lid.176.ftz, infra/fetch-lid-model.sh) it also writes lid176-goldens.json: the top 5 labels
of ~50 varied texts and, as DataTrove's LanguageFilter computes it (k=-1), the probability of English. The model
itself is never committed.

Pinned: bench/fasttext/requirements.txt (fasttext-wheel 0.9.2: fastText 0.9.2, the release DataTrove 0.6.0 uses). Training is
single-threaded with a fixed seed, so the models are reproducible on one machine; the goldens are what counts.
Usage: python bench/fasttext/make_fixtures.py [--lid ~/.cache/kiln/models/lid.176.ftz] [OUT_DIR]
"""
import argparse
import json
import os
import tempfile

import fasttext

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "activities", "src", "test", "resources", "fasttext")

TRAIN = {
    "en": ["the cat sat on the mat", "a quick brown fox jumps over the lazy dog", "where is the train station",
           "this is a small english sentence", "we like to read books in the evening", "the weather is nice today"],
    "fr": ["le chat est sur le tapis", "où est la gare s'il vous plaît", "nous aimons lire des livres le soir",
           "il fait très beau aujourd'hui", "une phrase française assez courte", "le renard brun saute"],
    "de": ["die katze sitzt auf der matte", "wo ist der bahnhof bitte", "wir lesen gern bücher am abend",
           "das wetter ist heute schön", "ein kurzer deutscher satz", "der schnelle braune fuchs springt"],
    "ru": ["кошка сидит на коврике", "где находится вокзал", "мы любим читать книги вечером",
           "сегодня хорошая погода", "короткое русское предложение", "быстрая лиса прыгает"],
    "ja": ["猫 が マット の 上 に 座って いる", "駅 は どこ です か", "夜 に 本 を 読む の が 好き です",
           "今日 は いい 天気 です", "短い 日本語 の 文", "素早い 茶色 の 狐 が 跳ぶ"],
    "el": ["η γάτα κάθεται στο χαλί", "πού είναι ο σταθμός", "μας αρέσει να διαβάζουμε βιβλία",
           "ο καιρός είναι ωραίος σήμερα", "μια σύντομη ελληνική πρόταση", "η γρήγορη αλεπού πηδάει"],
}

TEXTS = [
    "the cat sat on the mat",
    "le chat est sur le tapis",
    "die Katze sitzt auf der Matte",
    "кошка сидит на коврике",
    "猫 が マット の 上 に 座って いる",
    "猫がマットの上に座っている",
    "η γάτα κάθεται στο χαλί",
    "where est der вокзал 駅",
    "unknownwordsonly zzzz qqqq",
    "a",
    "",
    "   ",
    "tabs\tand\rcarriage\x0bvertical\x0cform feed",
    "nul\x00byte inside",
    "__label__en is a label token and so is __label__zz",
    "before </s> after the end of sentence token",
    "émoji 😀 and accents àéîõü, ß and œ",
    "non\u00a0breaking\u00a0spaces are part of words",
    "MIXED Case Words With Punctuation! Really? Yes.",
    "nous aimons lire des livres le soir, we like to read books",
    " ".join(["the quick brown fox jumps over the lazy dog"] * 40),
    "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता प्राप्त है",
]

LID_TEXTS = [
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Breaking news: the city council approved the new budget on Tuesday evening.",
    "Click here to subscribe to our newsletter and get 10% off your first order!",
    "I think that's a great idea, let's meet at 5pm tomorrow.",
    "Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises.",
    "Die Bundesregierung hat heute neue Maßnahmen zur Förderung der Wirtschaft beschlossen.",
    "El presidente anunció un nuevo plan de infraestructura para las zonas rurales.",
    "Il ministro ha presentato la riforma della scuola durante la conferenza stampa.",
    "O governo brasileiro lançou um programa de incentivo à agricultura familiar.",
    "De gemeente heeft besloten om het park volgend jaar te renoveren.",
    "Правительство объявило о новых мерах поддержки малого бизнеса.",
    "Уряд оголосив про нові заходи підтримки малого бізнесу.",
    "Rząd ogłosił nowe środki wsparcia dla małych przedsiębiorstw.",
    "Vláda oznámila nová opatření na podporu malých podniků.",
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα στήριξης των μικρών επιχειρήσεων.",
    "Hükümet küçük işletmeler için yeni destek önlemleri açıkladı.",
    "أعلنت الحكومة عن إجراءات جديدة لدعم الشركات الصغيرة.",
    "הממשלה הודיעה על צעדים חדשים לתמיכה בעסקים קטנים.",
    "دولت اقدامات جدیدی برای حمایت از کسب و کارهای کوچک اعلام کرد.",
    "सरकार ने छोटे व्यवसायों के समर्थन के लिए नए उपायों की घोषणा की।",
    "সরকার ছোট ব্যবসার জন্য নতুন সহায়তা ব্যবস্থা ঘোষণা করেছে।",
    "政府宣布了支持小企业的新措施。",
    "政府は中小企業を支援するための新たな措置を発表した。",
    "정부는 소상공인을 지원하기 위한 새로운 조치를 발표했다.",
    "รัฐบาลประกาศมาตรการใหม่เพื่อสนับสนุนธุรกิจขนาดเล็ก",
    "Chính phủ đã công bố các biện pháp mới để hỗ trợ doanh nghiệp nhỏ.",
    "Pemerintah mengumumkan langkah-langkah baru untuk mendukung usaha kecil.",
    "Serikali imetangaza hatua mpya za kusaidia biashara ndogo.",
    "Hallitus ilmoitti uusista toimista pienyritysten tukemiseksi.",
    "Regeringen meddelade nya åtgärder för att stödja små företag.",
    "A kormány új intézkedéseket jelentett be a kisvállalkozások támogatására.",
    "Guvernul a anunțat noi măsuri de sprijin pentru întreprinderile mici.",
    "Regeringen annoncerede nye tiltag til støtte for små virksomheder.",
    "Vyriausybė paskelbė naujas priemones smulkiajam verslui remti.",
    "Kerajaan mengumumkan langkah baharu untuk menyokong perniagaan kecil.",
    "Home | About us | Contact | Privacy policy | Terms of use",
    "def main(): return sum(x * x for x in range(10))",
    "https://example.com/path?query=1&lang=en",
    "12345 67890 3.14159 2026-12-08",
    "ok",
    "😀😀😀 🎉🎉",
    "Hello, bonjour, hola, hallo, ciao, привет, こんにちは",
    "This page mixes English text with un peu de français et ein bisschen Deutsch.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
    "Copyright © 2024 All rights reserved. Powered by WordPress.",
    "Tabs\tand  double  spaces\tand\rcarriage returns in English text here.",
    "Ceci est une phrase en français avec des accents : é, è, ê, à, ç, ô.",
    "THIS IS AN ENGLISH SENTENCE WRITTEN ENTIRELY IN CAPITAL LETTERS.",
    "i wuz gonna go 2 da store but it wuz closed lol",
    " ".join(["Recipes for a quick weeknight dinner: pasta, salad and a simple tomato sauce."] * 20),
]


def predictions(model, text, k):
    labels, probs = model.predict(text, k=k)
    return [{"label": label, "probability": float(p)} for label, p in zip(labels, probs)]


def goldens(model_name, model, texts, ks):
    cases = []
    for text in texts:
        for k in ks:
            cases.append({"text": text, "k": k, "predictions": predictions(model, text, k)})
    return {"model": model_name, "cases": cases}


def write_json(path, value):
    """A JSON array or object of models whose cases are one line each (small, and diffs read case by case)."""
    def dump(v):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))

    def model_lines(m):
        cases = ",\n".join("  " + dump(c) for c in m["cases"])
        return '{"model":' + dump(m["model"]) + ',"cases":[\n' + cases + "\n]}"

    with open(path, "w", encoding="utf-8") as f:
        if isinstance(value, list):
            f.write("[\n" + ",\n".join(model_lines(m) for m in value) + "\n]\n")
        else:
            f.write(model_lines(value) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=DEFAULT_OUT)
    parser.add_argument("--lid", help="lid.176.ftz: also write lid176-goldens.json")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        train = os.path.join(tmp, "train.txt")
        with open(train, "w", encoding="utf-8") as f:
            for repeat in range(3):
                for lang, lines in TRAIN.items():
                    for line in lines:
                        f.write(f"__label__{lang} {line}\n")
        common = dict(input=train, dim=5, epoch=100, lr=0.5, thread=1, seed=7, minCount=1, verbose=0)
        models = {
            "tiny-hs.bin": fasttext.train_supervised(loss="hs", minn=2, maxn=4, wordNgrams=2, bucket=300, **common),
            "tiny-softmax.bin": fasttext.train_supervised(loss="softmax", minn=0, maxn=0, wordNgrams=2, bucket=50,
                                                          **common),
            "tiny-ova.bin": fasttext.train_supervised(loss="ova", minn=3, maxn=3, wordNgrams=1, bucket=40, **common),
        }
        quantized = fasttext.train_supervised(loss="hs", minn=2, maxn=4, wordNgrams=2, bucket=300, **common)
        quantized.quantize(dsub=2, qnorm=True, cutoff=280, retrain=False)
        models["tiny-hs.ftz"] = quantized
        all_goldens = []
        for name, model in models.items():
            model.save_model(os.path.join(args.out, name))
            all_goldens.append(goldens(name, model, TEXTS, [1, 3, -1]))
        # 260 labels, so that the output matrix can be quantized too (fastText's quantizer needs 256 rows): -qout
        many = os.path.join(tmp, "many.txt")
        with open(many, "w", encoding="utf-8") as f:
            for repeat in range(2):
                for i in range(260):
                    f.write(f"__label__c{i} w{i} x{i % 7} y{i % 13} é{i % 5}\n")
        qout = fasttext.train_supervised(input=many, loss="softmax", dim=4, epoch=10, lr=0.5, thread=1, seed=7,
                                         minCount=1, minn=0, maxn=0, wordNgrams=1, bucket=0, verbose=0)
        qout.quantize(dsub=2, qnorm=True, qout=True)
        qout.save_model(os.path.join(args.out, "many-qout.ftz"))
        texts = ["w1 x1 y1", "w200 x4 é0", "x3 y7", "w259", "unknown", "é1 é2 w17 w18"] + TEXTS[:4]
        all_goldens.append(goldens("many-qout.ftz", qout, texts, [1, 5]))
        write_json(os.path.join(args.out, "tiny-goldens.json"), all_goldens)
    if args.lid:
        lid = fasttext.load_model(args.lid)
        cases = []
        for text in LID_TEXTS:
            every = dict(zip(*lid.predict(text, k=-1)))
            cases.append({"text": text, "k": 5, "predictions": predictions(lid, text, 5),
                          "english": float(every.get("__label__en", 0.0)), "labelsReturned": len(every)})
        write_json(os.path.join(args.out, "lid176-goldens.json"), {"model": "lid.176.ftz", "cases": cases})


if __name__ == "__main__":
    main()
