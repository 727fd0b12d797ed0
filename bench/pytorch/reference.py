"""PyTorch's half of the comparison: Kiln's three architectures written as ordinary PyTorch modules whose
state_dict names and shapes are those of Kiln's safetensors, and Kiln's transformers-exact architectures (GPT-2,
Llama, BERT, RoBERTa, T5 v1.0 and v1.1) as transformers' own classes loaded with from_pretrained from the Hugging
Face directory Kiln's exporter wrote, trained in eager mode with torch.optim.AdamW and
torch.nn.utils.clip_grad_norm_ on the batches Kiln exported (bench/pytorch/run.sh). Nothing random happens
here: the initial weights are Kiln's seeded initialisation, the batches (windows, MLM masking, span
corruption) are the ones Kiln drew, and dropout is 0.

  reference.py train OUT_DIR CASE RESULT_JSON [--attention math|sdpa] [--threads N] [--turns IN OUT]
  reference.py compare OUT_DIR RESULTS_DIR
  reference.py optimizer OUT_DIR CASE UPDATES
"""
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file
from torch import nn

HIDDEN = -1e9  # Kiln's AttentionMasks.HIDDEN: an additive mask value, not -inf
LAYER_NORM_EPSILON = 1e-5
PROFILED_FROM, PROFILED_UNTIL = 30, 50  # ReferenceBench's: the steps profiled with KILN_BENCH_PROFILE=DIR


class Turns:
    """Lockstep with Kiln (run.sh's lockstep pair; ReferenceBench's Turns): each step waits for a byte on the named
    pipe IN and, done, writes one to OUT, so the two processes take turns, step by step, on the same cores. Without
    the pipes, steps do not wait."""

    def __init__(self, paths=None):
        self.read, self.write = (os.open(paths[0], os.O_RDONLY), os.open(paths[1], os.O_WRONLY)) if paths else (None, None)

    def wait(self):
        if self.read is not None and os.read(self.read, 1) != b"x":
            raise SystemExit("lockstep: the other side closed its pipe (it failed or stopped early)")

    def hand_over(self):
        if self.write is not None:
            os.write(self.write, b"x")


NO_TURNS = Turns()  # a run alone: its steps do not wait


class Attention(nn.Module):
    """Self-attention with one fused projection (c_attn), or cross-attention (c_q from x, c_kv from memory)."""

    def __init__(self, d, heads, cross, attention):
        super().__init__()
        self.heads = heads
        self.cross = cross
        self.attention = attention
        if cross:
            self.c_q = nn.Linear(d, d)
            self.c_kv = nn.Linear(d, 2 * d)
        else:
            self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def forward(self, x, mask, memory=None):
        b, t, d = x.shape
        if self.cross:
            q = self.c_q(x)
            k, v = self.c_kv(memory).split(d, dim=2)
        else:
            q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (self.split_heads(z) for z in (q, k, v))
        if self.attention == "sdpa":
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads))
            if mask is not None:
                scores = scores + mask
            y = scores.softmax(dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, d))

    def split_heads(self, z):
        b, t, d = z.shape
        return z.view(b, t, self.heads, d // self.heads).transpose(1, 2)


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    """Pre-LayerNorm block: x + attn(ln_1(x)) [+ cross_attn(ln_cross(x), memory)] + mlp(ln_2(x))."""

    def __init__(self, d, heads, cross, attention):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)
        self.attn = Attention(d, heads, False, attention)
        if cross:
            self.ln_cross = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)
            self.cross_attn = Attention(d, heads, True, attention)
        self.ln_2 = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)
        self.mlp = MLP(d)

    def forward(self, x, mask, memory=None, memory_mask=None):
        x = x + self.attn(self.ln_1(x), mask)
        if memory is not None:
            x = x + self.cross_attn(self.ln_cross(x), memory_mask, memory)
        return x + self.mlp(self.ln_2(x))


class Stack(nn.Module):
    """Learned positions, blocks and a final LayerNorm; owns the token embedding unless it is shared."""

    def __init__(self, c, own_embedding, cross, attention):
        super().__init__()
        d = c["dModel"]
        if own_embedding:
            self.wte = nn.Embedding(c["vocabSize"], d)
        self.wpe = nn.Embedding(c["contextLength"], d)
        self.h = nn.ModuleList(Block(d, c["heads"], cross, attention) for _ in range(c["layers"]))
        self.ln_f = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)

    def forward(self, tokens, wte, mask, memory=None, memory_mask=None):
        positions = torch.arange(tokens.shape[1])
        x = F.embedding(tokens, wte) + self.wpe(positions)
        for block in self.h:
            x = block(x, mask, memory, memory_mask)
        return self.ln_f(x)


def causal_mask(t):
    return torch.full((t, t), HIDDEN).triu(diagonal=1)


def padding_mask(tokens, pad):
    """[rows, 1, 1, length] hiding pad keys, or None when there is none (Kiln's AttentionMasks.padding)."""
    is_pad = tokens == pad
    return (is_pad.float() * HIDDEN)[:, None, None, :] if bool(is_pad.any()) else None


class Gpt(nn.Module):
    def __init__(self, c, attention):
        super().__init__()
        self.transformer = Stack(c, True, False, attention)
        self.causal = causal_mask(c["contextLength"])

    def forward(self, batch):
        wte = self.transformer.wte.weight
        t = batch["inputs"].shape[1]
        return F.linear(self.transformer(batch["inputs"], wte, self.causal[:t, :t]), wte)  # tied output


class Encoder(nn.Module):
    def __init__(self, c, attention):
        super().__init__()
        self.encoder = Stack(c, True, False, attention)
        self.pad = c["padToken"]

    def forward(self, batch):
        wte = self.encoder.wte.weight
        inputs = batch["inputs"]
        return F.linear(self.encoder(inputs, wte, padding_mask(inputs, self.pad)), wte)


class EncoderDecoder(nn.Module):
    def __init__(self, c, attention):
        super().__init__()
        self.shared = nn.Embedding(c["vocabSize"], c["dModel"])
        self.encoder = Stack(c, False, False, attention)
        self.decoder = Stack(c, False, True, attention)
        self.causal = causal_mask(c["contextLength"])
        self.pad = c["padToken"]

    def forward(self, batch):
        wte = self.shared.weight
        inputs, decoder_inputs = batch["inputs"], batch["decoder_inputs"]
        padding = padding_mask(inputs, self.pad)
        memory = self.encoder(inputs, wte, padding)
        t = decoder_inputs.shape[1]
        return F.linear(self.decoder(decoder_inputs, wte, self.causal[:t, :t], memory, padding), wte)


ARCHITECTURES = {"decoder": Gpt, "encoder": Encoder, "encoder-decoder": EncoderDecoder}
# ReferenceBench.Case.ALL, in its order: Kiln's own models, then those the reference trains as transformers' classes
CASES = ("clm", "mlm", "span-corruption", "hf-gpt2", "hf-llama", "hf-bert", "hf-roberta", "hf-t5-v1_0", "hf-t5-v1_1")


class Transformers(nn.Module):
    """transformers' own class (config.json's hfClass) from the Hugging Face directory Kiln's exporter wrote of its
    initial weights, eager attention, fp32. forward returns the loss Kiln's objective takes:
    - causal LM: the mean cross-entropy of the logits against Kiln's targets, which are the inputs shifted by one
      already (labels= would make transformers shift them once more);
    - masked LM: transformers' own loss with labels = Kiln's targets, its unselected positions -100;
    - span corruption: transformers' own loss with labels = Kiln's targets; transformers builds the decoder input
      by shifting them right from decoder_start_token_id (the pad id), which must be exactly Kiln's decoder input."""

    def __init__(self, c, directory, attention):
        super().__init__()
        import transformers
        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        cls = getattr(transformers, c["hfClass"])
        self.model, info = cls.from_pretrained(directory / "hf", attn_implementation="eager" if attention == "math" else attention,
                                               dtype=torch.float32, output_loading_info=True)
        if any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")):
            raise SystemExit(f"{c['hfClass']} from {directory / 'hf'}: {info}")
        count = sum(p.numel() for p in self.model.parameters())
        if count != c["parameters"]:
            raise SystemExit(f"{c['hfClass']} has {count:,} parameters, Kiln's model {c['parameters']:,}")
        self.model.train()  # from_pretrained returns it in eval mode; dropout is 0 either way
        self.objective, self.pad, self.ignored = c["objective"], c["padToken"], c["ignoredTarget"]

    def forward(self, batch):
        inputs, targets = batch["inputs"], batch["targets"]
        is_pad = inputs == self.pad
        mask = (~is_pad).long() if bool(is_pad.any()) else None  # as Kiln: pad keys hidden, none when there is none
        if self.objective == "clm":
            logits = self.model(input_ids=inputs).logits
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=self.ignored)
        labels = targets.masked_fill(targets == self.ignored, -100)
        if self.objective == "span-corruption":
            shifted = self.model._shift_right(labels)
            if not torch.equal(shifted, batch["decoder_inputs"]):
                raise SystemExit("transformers' decoder input (labels shifted right) is not Kiln's")
        return self.model(input_ids=inputs, attention_mask=mask, labels=labels).loss


def learning_rate(c, step):
    """Linear warm-up from step + 1, then cosine to the minimum at the last step (Kiln's LearningRateSchedule)."""
    peak, low, warmup, total = c["learningRate"], c["minLearningRate"], c["warmupSteps"], c["steps"]
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= total:
        return low
    progress = (step - warmup) / (total - warmup)
    return low + 0.5 * (1 + math.cos(math.pi * progress)) * (peak - low)


def adamw(c, parameters, lr):
    """torch.optim.AdamW with Kiln's hyperparameters, decaying matrices only (embeddings and Linear weights, as nanoGPT
    and Kiln's AdamW); not biases or LayerNorms."""
    groups = [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": c["weightDecay"]},
              {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"])


def train(out_dir, objective, result_path, attention, threads=None, turns=NO_TURNS):
    """threads: intra-op threads other than Kiln's, only to measure the noise floor (another summation order).
    turns: take turns with Kiln step by step (see Turns)."""
    directory = Path(out_dir) / objective
    c = json.loads((directory / "config.json").read_text())
    torch.set_num_threads(threads or c["threads"])
    torch.set_num_interop_threads(c["interopThreads"])
    batches = {name: torch.from_numpy(array.astype(np.int64)) for name, array in load_file(directory / "batches.safetensors").items()}
    steps, skip = c["steps"], c["timingSkip"]
    # As Kiln: first an untimed run of a throwaway model, so that the timed one is a warm process's (see config.json).
    _, _, warmup_seconds, _ = run_steps(c, directory, attention, batches, min(c.get("processWarmup", 0), steps),
                                        turns=turns)
    losses, norms, step_seconds, weights_check = run_steps(c, directory, attention, batches, steps,
                                                           profile_dir=os.environ.get("KILN_BENCH_PROFILE"),
                                                           check=c.get("checkSteps", 0), objective=objective,
                                                           turns=turns)
    seconds = sum(step_seconds[skip:])
    tokens_per_second = (steps - skip) * c["tokensPerStep"] / seconds
    result = {"system": "pytorch", "attention": attention, "malloc": malloc_settings(), "objective": objective,
              "lockstep": turns is not NO_TURNS,
              "torch": torch.__version__,
              "threads": torch.get_num_threads(), "interopThreads": torch.get_num_interop_threads(),
              "timedSteps": steps - skip, "seconds": seconds, "tokensPerSecond": tokens_per_second,
              "clippedSteps": sum(n > c["gradClip"] for n in norms) if c["gradClip"] > 0 else 0,
              "weightsCheck": weights_check, "losses": losses, "gradNorms": norms, "stepSeconds": step_seconds,
              "warmupStepSeconds": warmup_seconds}
    Path(result_path).write_text(json.dumps(result, indent=1))
    print(f"pytorch {objective} ({attention}): {steps} steps, final loss {losses[-1]:.4f}, {tokens_per_second:.0f} tokens/s "
          f"({torch.get_num_threads()} intra-op / {torch.get_num_interop_threads()} inter-op threads)")


def run_steps(c, directory, attention, batches, steps, profile_dir=None, check=0, objective=None, turns=NO_TURNS):
    """Trains a fresh model from Kiln's initial weights for `steps` steps: each step's loss, gradient norm and time, and
    the weights against Kiln's after `check` steps (0: not compared). profile_dir: record steps PROFILED_FROM to
    PROFILED_UNTIL there. Each step (with what follows it) takes a turn."""
    if "hfClass" in c:
        model = Transformers(c, directory, attention)
    else:
        model = ARCHITECTURES[c["architecture"]](c, attention)
        weights = {name: torch.from_numpy(array) for name, array in load_file(directory / "init.safetensors").items()}
        model.load_state_dict(weights, strict=True)  # every name and shape must match Kiln's
    parameters = list(model.parameters())
    optimizer = adamw(c, parameters, c["learningRate"])
    losses, norms, step_seconds = [], [], []
    weights_check = None
    profiler = None
    for step in range(steps):
        turns.wait()
        started = time.perf_counter()
        if profile_dir and step == PROFILED_FROM:
            profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True)
            profiler.__enter__()
        rate = learning_rate(c, step)
        if abs(rate - c["learningRates"][step]) > 1e-12 * c["learningRate"]:
            raise SystemExit(f"learning rate at step {step}: {rate} here, {c['learningRates'][step]} in Kiln")
        for group in optimizer.param_groups:
            group["lr"] = rate
        batch = {name: array[step] for name, array in batches.items()}
        loss = model_loss(model, c, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(parameters, c["gradClip"] if c["gradClip"] > 0 else math.inf)))
        optimizer.step()
        losses.append(loss.item())
        if profiler is not None and step + 1 == PROFILED_UNTIL:
            profiler.__exit__(None, None, None)
            Path(profile_dir).mkdir(parents=True, exist_ok=True)
            profiler.export_chrome_trace(str(Path(profile_dir) / f"pytorch-{objective}.json"))
            profiler = None
        step_seconds.append(time.perf_counter() - started)
        if step + 1 == check:
            weights_check = compare_weights(model, directory / f"weights-after-{check}.safetensors")
        turns.hand_over()
    return losses, norms, step_seconds, weights_check


def model_loss(model, c, batch):
    """The mean cross-entropy over the batch's predicted positions (targets other than ignoredTarget)."""
    if isinstance(model, Transformers):
        return model(batch)
    logits = model(batch)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["targets"].reshape(-1),
                           ignore_index=c["ignoredTarget"])


def optimizer_only(out_dir, objective, updates):
    """clip_grad_norm_ + torch.optim.AdamW.step alone on the exported model's parameters, as Kiln's optimizer mode."""
    directory = Path(out_dir) / objective
    c = json.loads((directory / "config.json").read_text())
    torch.set_num_threads(c["threads"])
    parameters = [torch.from_numpy(a).requires_grad_(True) for a in load_file(directory / "init.safetensors").values()]
    optimizer = adamw(c, parameters, 1e-4)
    timed = 0.0
    for update in range(updates + 20):
        optimizer.zero_grad(set_to_none=True)
        sum((p * p).sum() for p in parameters).backward()
        began = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(parameters, c["gradClip"])
        optimizer.step()
        timed += time.perf_counter() - began if update >= 20 else 0.0
    print(f"pytorch {objective} optimizer: {len(parameters)} tensors, {timed / updates * 1e3:.2f} ms per clip_grad_norm_ + "
          f"AdamW step ({updates} updates, malloc {malloc_settings()})")


def malloc_settings():
    """'kiln' when this process runs with infra/native-memory.sh's glibc malloc settings, else 'default'."""
    return "kiln" if "glibc.malloc.mmap_max=0" in os.environ.get("GLIBC_TUNABLES", "") else "default"


def compare_weights(model, kiln_path):
    """Every parameter against Kiln's after the same steps: the worst max|a-b| / max|b| over tensors, and where.
    Kiln's file has every parameter once, in the names of the model here (a transformers model's state_dict also
    holds tied copies and buffers). Tensors that stay below NOISE in both are float noise, not weights, and left out:
    BERT's attention key biases get a zero gradient in exact arithmetic (a bias on every key shifts all of a query's
    scores alike, which softmax ignores), so they hold rounding residue of ~1e-7 whose relative difference means
    nothing."""
    if not kiln_path.exists():
        return None
    kiln = load_file(kiln_path)
    state = model.model.state_dict() if isinstance(model, Transformers) else model.state_dict()
    if not isinstance(model, Transformers) and state.keys() != kiln.keys():
        raise SystemExit(f"{kiln_path} has other tensors than the model")
    worst, noise = (0.0, None), []
    for name in kiln:
        mine = state[name].detach().numpy()
        scale = max(np.abs(mine).max(), np.abs(kiln[name]).max())
        if scale < NOISE:
            noise.append(name)
            continue
        difference = float(np.abs(mine - kiln[name]).max() / scale)
        worst = max(worst, (difference, name), key=lambda w: w[0])
    return {"steps": int(kiln_path.stem.rsplit("-", 1)[1]), "maxRelativeDifference": worst[0], "tensor": worst[1],
            "noiseTensors": noise}


NOISE = 1e-4  # a weight no larger than this after CHECK_STEPS updates of lr ~1e-3 was never moved by its gradient


WINDOW = 10


def windowed_difference(a, b, warmup):
    """Relative differences of the WINDOW-step moving averages of two loss curves, for windows ending at or after
    the warm-up: a loss curve's single steps carry batch-to-batch noise that float summation order alone moves."""
    mean = lambda x, end: statistics.fmean(x[end - WINDOW + 1:end + 1])
    return [abs(mean(a, end) - mean(b, end)) / abs(mean(b, end)) for end in range(max(warmup, WINDOW - 1), len(b))]


def repetition(run):
    """The repetition a timed run belongs to, from its result file's name (SYSTEM-OBJECTIVE-REP); None for the extra runs."""
    last = run["file"].rsplit("-", 1)[1]
    return int(last) if last.isdigit() else None


def paired_ratios(kiln, reference):
    """Kiln's tokens/s over the reference's of the same repetition: the two ran one after the other, under much the
    same load from the rest of the machine, so the ratio varies less than either system's tokens/s over repetitions."""
    by_repetition = {repetition(r): r["tokensPerSecond"] for r in reference}
    return [k["tokensPerSecond"] / by_repetition[repetition(k)] for k in kiln if repetition(k) in by_repetition]


def tokens_per_second_from(run, first_step, c):
    times = run["stepSeconds"][first_step:]
    return len(times) * c["tokensPerStep"] / sum(times)


def fresh_process_tokens_per_second(run, c):
    """tokens/s of a fresh process: its first run (the untimed warm-up one, or the only one) from step coldFrom on."""
    first_run = run.get("warmupStepSeconds") or run["stepSeconds"]
    return tokens_per_second_from({"stepSeconds": first_run}, c["coldFrom"], c)


def lockstep_ratio(pairs, c):
    """Prints each lockstep pair ({pair number: {"kiln": result, "pytorch": result}}) and returns the median of Kiln's
    tokens/s over PyTorch's within each, or None without any."""
    ratios = []
    for number, pair in sorted(pairs.items()):
        if len(pair) != 2:
            continue
        k_steps, p_steps = (pair[system]["stepSeconds"][c["timingSkip"]:] for system in ("kiln", "pytorch"))
        k_tps, p_tps = (pair[system]["tokensPerSecond"] for system in ("kiln", "pytorch"))
        ratios.append(k_tps / p_tps)
        print(f"lockstep pair {number} (the two at once, taking turns step by step, {'Kiln' if number % 2 else 'PyTorch'} "
              f"first; Kiln with -Xbatch): kiln {k_tps:,.0f}, pytorch eager {p_tps:,.0f} tokens/s -> {k_tps / p_tps:.3f}x; "
              f"median step {statistics.median(k_steps) * 1e3:.1f} vs {statistics.median(p_steps) * 1e3:.1f} ms; "
              f"Kiln's step the shorter of the two at {sum(a < b for a, b in zip(k_steps, p_steps))} of {len(k_steps)} steps")
    return statistics.median(ratios) if ratios else None


def compare(out_dir, results_dir):
    """Loss curves at equal steps and the median tokens/s of every system over the repetitions."""
    results = [dict(json.loads(p.read_text()), file=p.stem) for p in sorted(Path(results_dir).glob("*.json"))]
    objectives = [o for o in CASES if any(r["objective"] == o for r in results)]
    summary = []
    for objective in objectives:
        c = json.loads((Path(out_dir) / objective / "config.json").read_text())
        mine = [r for r in results if r["objective"] == objective and not r.get("lockstep")]
        pairs = {}  # lockstep pair number -> {system: result}
        for r in results:
            if r["objective"] == objective and r.get("lockstep"):
                pairs.setdefault(repetition(r), {})[r["system"]] = r
        kiln = [r for r in mine if r["system"] == "kiln"]
        reference = [r for r in mine if r["system"] == "pytorch" and r["threads"] == c["threads"]]
        torch_math = [r for r in reference if r["attention"] == "math" and r.get("malloc", "default") == "default"]
        torch_tuned = [r for r in reference if r["attention"] == "math" and r.get("malloc") == "kiln"]
        torch_sdpa = [r for r in reference if r["attention"] == "sdpa"]
        other_threads = [r for r in mine if r["system"] == "pytorch" and r["threads"] != c["threads"]
                         and r["attention"] == "math"]
        if not kiln or not torch_math:
            if pairs:
                print(f"\n== {objective}")
                lockstep_ratio(pairs, c)
            continue
        k, p = kiln[0]["losses"], torch_math[0]["losses"]
        relative = [abs(a - b) / abs(b) for a, b in zip(k, p)]
        warmup = c["warmupSteps"]
        print(f"\n== {objective} ({c.get('hfClass', 'reference.py ' + c['architecture'])}, {c['parameters']:,} parameters, {c['steps']} steps, "
              f"warm-up {warmup}, batch {c['batchSize']} x {c['contextLength']}, lr {c['learningRate']}) ==")
        print(f"{'step':>5} {'kiln':>10} {'pytorch':>10} {'rel. diff':>10}")
        shown = sorted(set(range(0, 3)) | set(range(0, len(k), max(1, len(k) // 20))) | {len(k) - 1})
        for step in shown:
            print(f"{step:>5} {k[step]:>10.5f} {p[step]:>10.5f} {relative[step]:>10.2e}")
        after = relative[warmup:]
        worst = max(range(warmup, len(relative)), key=lambda s: relative[s])
        print(f"step 0 (same weights, same batch: the forward alone): |kiln - pytorch| = {abs(k[0] - p[0]):.2e} "
              f"(relative {relative[0]:.2e})")
        check = torch_math[0].get("weightsCheck")
        if check:
            print(f"weights after {check['steps']} steps, every tensor against Kiln's: worst max|diff| / max|w| "
                  f"{check['maxRelativeDifference']:.1e} ({check['tensor']})"
                  + (f"; {len(check['noiseTensors'])} tensors below {NOISE} in both left out (float noise: "
                     f"{', '.join(check['noiseTensors'][:2])}, ...)" if check.get("noiseTensors") else ""))
        if "clippedSteps" in torch_math[0]:
            print(f"gradient norm above the clip {c['gradClip']} (clipping active) at {torch_math[0]['clippedSteps']} "
                  f"of {len(p)} steps")
        print(f"after warm-up (steps {warmup}..{len(k) - 1}): max relative difference {max(after):.2e} at step {worst}, "
              f"mean {statistics.fmean(after):.2e}; goal < 2e-2: {'met' if max(after) < 0.02 else 'NOT met'}")
        smoothed = windowed_difference(k, p, warmup)
        print(f"on the {WINDOW}-step moving average of the loss (windows ending at step >= {warmup}): max relative "
              f"difference {max(smoothed):.2e}; goal < 2e-2: {'met' if max(smoothed) < 0.02 else 'NOT met'}")
        kn, pn = kiln[0].get("gradNorms"), torch_math[0].get("gradNorms")
        if kn and pn:
            # The loss at step s is computed with the weights after update s - 1: show the norms that made them.
            print(f"gradient norm before clipping (kiln / pytorch) at the updates before step {worst}: "
                  + ", ".join(f"{s}: {kn[s]:.5g} / {pn[s]:.5g}" for s in range(max(0, worst - 3), worst)))
        if other_threads:
            o = other_threads[0]["losses"]
            noise = [abs(a - b) / abs(b) for a, b in zip(o, p)]
            noisiest = max(range(warmup, len(noise)), key=lambda s: noise[s])
            print(f"noise floor: PyTorch with {other_threads[0]['threads']} vs {c['threads']} intra-op threads (same maths, "
                  f"another summation order): max relative difference after warm-up {noise[noisiest]:.2e} at step "
                  f"{noisiest}, mean {statistics.fmean(noise[warmup:]):.2e}; at step {worst} {noise[worst]:.2e}; "
                  f"on the {WINDOW}-step moving average {max(windowed_difference(o, p, warmup)):.2e}")
        for name, runs in (("kiln", kiln), ("pytorch", torch_math), ("pytorch, kiln's malloc settings", torch_tuned),
                           ("pytorch sdpa", torch_sdpa)):
            if len(runs) > 1:
                same = all(r["losses"] == runs[0]["losses"] for r in runs)
                print(f"{name}: losses of the {len(runs)} repetitions {'bitwise identical' if same else 'differ'}")
        kiln_tps = statistics.median(r["tokensPerSecond"] for r in kiln)
        math_tps = statistics.median(r["tokensPerSecond"] for r in torch_math)
        paired = paired_ratios(kiln, torch_math)
        line = (f"tokens/s from step {c['timingSkip']} on, the steady state (after {c.get('processWarmup', 0)} untimed steps "
                f"in the same process; median of {len(kiln)}, {kiln[0]['threads']} "
                f"intra-op threads each): kiln {kiln_tps:,.0f}, pytorch eager {math_tps:,.0f} -> {kiln_tps / math_tps:.2f}x "
                f"(kiln / pytorch within each repetition: {', '.join(f'{r:.2f}' for r in paired)}; "
                f"median {statistics.median(paired):.2f}x)")
        tuned_tps = None
        if torch_tuned:
            tuned_tps = statistics.median(r["tokensPerSecond"] for r in torch_tuned)
            line += f"; pytorch eager with kiln's malloc settings {tuned_tps:,.0f} -> {kiln_tps / tuned_tps:.2f}x"
        sdpa_tps = None
        if torch_sdpa:
            sdpa_tps = statistics.median(r["tokensPerSecond"] for r in torch_sdpa)
            line += f"; pytorch eager with scaled_dot_product_attention {sdpa_tps:,.0f} -> {kiln_tps / sdpa_tps:.2f}x"
        print(line)
        cold = c.get("coldFrom")
        if cold is not None:
            kiln_cold = statistics.median(fresh_process_tokens_per_second(r, c) for r in kiln)
            math_cold = statistics.median(fresh_process_tokens_per_second(r, c) for r in torch_math)
            print(f"tokens/s of a fresh process (its first {c.get('processWarmup') or c['steps']} steps from step {cold} on; "
                  f"in Kiln the JIT compiling its Java code): kiln {kiln_cold:,.0f}, pytorch eager {math_cold:,.0f} -> "
                  f"{kiln_cold / math_cold:.2f}x")
        lockstep = lockstep_ratio(pairs, c)
        print("  per repetition: kiln " + ", ".join(f"{r['tokensPerSecond']:,.0f}" for r in kiln)
              + " | pytorch " + ", ".join(f"{r['tokensPerSecond']:,.0f}" for r in torch_math)
              + ("" if not torch_tuned else " | pytorch, kiln's malloc " + ", ".join(f"{r['tokensPerSecond']:,.0f}" for r in torch_tuned))
              + ("" if not torch_sdpa else " | sdpa " + ", ".join(f"{r['tokensPerSecond']:,.0f}" for r in torch_sdpa)))
        summary.append((objective, relative[0], max(after), max(smoothed), kiln_tps, math_tps, tuned_tps, sdpa_tps,
                        statistics.median(paired), kiln_cold / math_cold if cold is not None else None, lockstep))
    print(f"\n{'objective':<16} {'step-0 rel':>10} {'max rel >=warm-up':>18} {f'({WINDOW}-step mean)':>16} {'kiln tok/s':>11} "
          f"{'torch tok/s':>12} {'ratio':>6} {'paired':>6} {'cold':>6} {'lockstep':>8}"
          + (f" {'torch+malloc':>12} {'ratio':>6}" if any(s[6] for s in summary) else "")
          + (f" {'sdpa tok/s':>11} {'ratio':>6}" if any(s[7] for s in summary) else ""))
    for objective, first, worst, worst_smoothed, kiln_tps, math_tps, tuned_tps, sdpa_tps, paired, cold, lockstep in summary:
        print(f"{objective:<16} {first:>10.1e} {worst:>18.2e} {worst_smoothed:>16.2e} {kiln_tps:>11,.0f} {math_tps:>12,.0f} {kiln_tps / math_tps:>5.2f}x"
              + f" {paired:>5.2f}x" + (f" {cold:>5.2f}x" if cold else "      -")
              + (f" {lockstep:>7.3f}x" if lockstep else "        -")
              + (f" {tuned_tps:>12,.0f} {kiln_tps / tuned_tps:>5.2f}x" if tuned_tps else "")
              + (f" {sdpa_tps:>11,.0f} {kiln_tps / sdpa_tps:>5.2f}x" if sdpa_tps else ""))
    print("tok/s: steady state, median over the repetitions; paired: median of kiln / pytorch within each repetition "
          "(the two ran next to each other); cold: the ratio in a fresh process (the untimed first run), start-up included; "
          "lockstep: the median ratio of the pairs that ran at once, taking turns step by step")
    print("torch: PyTorch eager as installed (glibc's malloc defaults); torch+malloc: the same with Kiln's malloc "
          "settings (infra/native-memory.sh), which Kiln always runs with")


def self_times(trace_path):
    """Self time (us) and call count per op name of a chrome trace of CPU ops (both profilers write one): each op's
    duration less that of the ops nested in it on the same thread."""
    events = json.loads(Path(trace_path).read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    by_thread = {}
    for e in events:
        if e.get("ph") == "X" and e.get("cat", "cpu_op") in ("cpu_op", "Operator", "operator") and "dur" in e:
            by_thread.setdefault(e.get("tid"), []).append(e)
    totals, counts = {}, {}
    for ops in by_thread.values():
        ops.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # open ops: [end, name, time of the ops nested in it, duration]
        def close(until):
            while stack and stack[-1][0] <= until:
                _, name, children, dur = stack.pop()
                totals[name] = totals.get(name, 0.0) + dur - children
        for e in ops:
            ts, dur = float(e["ts"]), float(e["dur"])
            close(ts)
            if stack:
                stack[-1][2] += dur
            stack.append([ts + dur, e["name"], 0.0, dur])
            counts[e["name"]] = counts.get(e["name"], 0) + 1
        close(float("inf"))
    return totals, counts


def profile(profile_dir, objective, top=30):
    """Kiln's and PyTorch's self time per op over the profiled steps, side by side, largest difference first."""
    kiln, kiln_calls = self_times(Path(profile_dir) / f"kiln-{objective}.json")
    torch_, torch_calls = self_times(Path(profile_dir) / f"pytorch-{objective}.json")
    steps = PROFILED_UNTIL - PROFILED_FROM
    print(f"{objective}: self time per step (ms) over steps {PROFILED_FROM}-{PROFILED_UNTIL - 1}: "
          f"kiln {sum(kiln.values()) / steps / 1e3:.1f}, pytorch {sum(torch_.values()) / steps / 1e3:.1f} (ops only)")
    print(f"{'op':<44} {'kiln ms':>8} {'calls':>6} {'torch ms':>9} {'calls':>6} {'diff ms':>8}")
    names = sorted(set(kiln) | set(torch_), key=lambda n: -abs(kiln.get(n, 0) - torch_.get(n, 0)))
    for name in names[:top]:
        k, t = kiln.get(name, 0) / steps / 1e3, torch_.get(name, 0) / steps / 1e3
        print(f"{name[:44]:<44} {k:>8.2f} {kiln_calls.get(name, 0) // steps:>6} {t:>9.2f} "
              f"{torch_calls.get(name, 0) // steps:>6} {k - t:>+8.2f}")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "train":
        chosen = sys.argv[sys.argv.index("--attention") + 1] if "--attention" in sys.argv else "math"
        threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else None
        pipes = sys.argv[sys.argv.index("--turns") + 1:sys.argv.index("--turns") + 3] if "--turns" in sys.argv else None
        train(sys.argv[2], sys.argv[3], sys.argv[4], chosen, threads, Turns(pipes) if pipes else NO_TURNS)
    elif len(sys.argv) == 4 and sys.argv[1] == "profile":
        profile(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "optimizer":
        optimizer_only(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
