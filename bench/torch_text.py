"""PyTorch peer of the text workloads in bench/workloads.ts (the other rows' anchor is the GPU bundle's
torch_anchor.py, kept outside this repository): char-gru = nn.Embedding(65, 32) -> nn.GRU(32, 256) ->
nn.Linear(256, 65), per-step cross-entropy against ids, B 32, T 64, one training step = forward, backward,
clip_grad_norm_(1.0), SGD (inference = forward only); generate = the same model stepping B 8 sequences
200 tokens from a one-token prompt, torch.multinomial on each step's softmax, the tokens copied to the host
once at the end. cuDNN on CUDA when there is one, else the CPU. Median ms of 20 runs after 3 warm-ups.
    python3 bench/torch_text.py [--device cuda|cpu] [--reps 20] [--tf32 on|off]"""
import argparse, json, statistics, time, torch
ap = argparse.ArgumentParser()
ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
ap.add_argument('--reps', type=int, default=20); ap.add_argument('--tf32', default='on')
a = ap.parse_args()
torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = a.tf32 == 'on'
dev = a.device
sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
V, E, H = 65, 32, 256

def timed(f, n=a.reps, warm=3):
    for _ in range(warm): f()
    sync(); ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); sync(); ts.append((time.perf_counter() - t0) * 1e3)
    return round(statistics.median(ts), 3)

torch.manual_seed(0)
emb, gru, head = torch.nn.Embedding(V, E).to(dev), torch.nn.GRU(E, H).to(dev), torch.nn.Linear(H, V).to(dev)
params = [*emb.parameters(), *gru.parameters(), *head.parameters()]
opt = torch.optim.SGD(params, lr=0.01)
B, T = 32, 64
x, y = torch.randint(0, V, (T, B), device=dev), torch.randint(0, V, (T, B), device=dev)  # time-major ids
fwd = lambda ids, h=None: (lambda out: (head(out[0]), out[1]))(gru(emb(ids), h))
def step():
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(fwd(x)[0].reshape(T * B, V), y.reshape(T * B))
    loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step(); loss.item()
def infer():
    with torch.no_grad(): fwd(x)[0].cpu()
GB, STEPS = 8, 200
def generate():
    with torch.no_grad():
        ids, h, tokens = torch.arange(GB, device=dev).reshape(1, GB) % V, None, []
        for _ in range(STEPS):
            logits, h = fwd(ids, h)
            ids = torch.multinomial(torch.softmax(logits[-1], -1), 1).reshape(1, GB)
            tokens.append(ids)
        torch.cat(tokens).cpu()  # the one readback
gen_ms = timed(generate)
meta = dict(backend=f'torch-{dev}', device=torch.cuda.get_device_name() if dev == 'cuda' else 'cpu', torch=torch.__version__, tf32=a.tf32)
rows = [dict(workload='char-gru', mode='train', ms_median=timed(step), **meta), dict(workload='char-gru', mode='infer', ms_median=timed(infer), **meta),
        dict(workload='generate', mode='generate', ms_median=gen_ms, tokens_per_s=round(GB * STEPS * 1e3 / gen_ms, 1), **meta)]
for r in rows: print(json.dumps(r), flush=True)
print(f"\nworkload | mode | torch-{dev} ms | tokens/s")
for r in rows: print(f"{r['workload']} | {r['mode']} | {r['ms_median']} | {r.get('tokens_per_s', '')}")
