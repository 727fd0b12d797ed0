"""PyTorch eager half of bench/llama/run.sh: training tokens/s of transformers' LlamaForCausalLM on the CPU.

The same shape, batch, optimizer (AdamW, weight decay 0.1, gradient clipping at 1.0) and thread count as
LlamaThroughputBench; random tokens. Prints one line, "pytorch-llama tokens/s <n> ...".
Usage: bench.py WARMUP STEPS
"""

import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

VOCAB, CONTEXT, HIDDEN, LAYERS, HEADS = 4096, 128, 128, 4, 4  # kept in step with LlamaThroughputBench
KV_HEADS, INTERMEDIATE, BATCH = 2, 344, 8


def main(warmup, steps):
    torch.manual_seed(1234)
    config = LlamaConfig(
        vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=LAYERS,
        num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, max_position_embeddings=CONTEXT,
        tie_word_embeddings=False, use_cache=False, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    config._attn_implementation = "eager"
    model = LlamaForCausalLM(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    generator = torch.Generator().manual_seed(1)
    loss = float("nan")
    start = 0.0
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        ids = torch.randint(0, VOCAB, (BATCH, CONTEXT), generator=generator)
        targets = torch.randint(0, VOCAB, (BATCH, CONTEXT), generator=generator)
        logits = model(input_ids=ids).logits
        # Kiln's CLM batch carries its targets: the same cross-entropy over every position, no shift.
        loss_tensor = torch.nn.functional.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss_tensor.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss = loss_tensor.item()
    seconds = time.perf_counter() - start
    parameters = sum(p.numel() for p in model.parameters())
    print(f"pytorch-llama tokens/s {steps * BATCH * CONTEXT / seconds:.0f} ({steps} timed steps in {seconds:.2f} s,"
          f" {parameters} parameters, {torch.get_num_threads()} threads, last loss {loss:.3f})")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
