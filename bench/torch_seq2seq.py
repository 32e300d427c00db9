"""PyTorch peer of the seq2seq workloads in bench/workloads.ts, written the way a PyTorch user would: nn.Embedding
on both sides, a bidirectional nn.GRU encoder over packed sources (their lengths), the bridge
h0 = tanh(W [h_fwd; h_bwd] + b), an nn.GRU decoder, Luong 'general' attention after it (q . W_a k, padding
masked), h~ = tanh(W_c [c; h]) and the output layer.
  seq2seq-step   one teacher-forced training step: forward, cross-entropy (ignore_index -1), backward,
                 clip_grad_norm_(1.0), Adam(lr 0.01), the loss read back; B 256.
  beam-decode    batched beam search, k 4 hypotheses per source, B 128 sources, 11 steps: per step one
                 decoder step for all B.k rows and one top-k over each source's k.V expansions; a finished
                 hypothesis is frozen (its slot is not refilled, it steps on with the end token), the j-th
                 live slot takes the j-th best candidate; tokens, parents and attention stay on the device
                 until the end, then are traced back and read once. greedy-decode: the same with k 1.
Sizes as the dates model: 71 source ids, 14 target ids, embedding 16, encoder 2 x 32, decoder 64, sources of
28 ids with lengths evenly spread over [9, 28], 11 target tokens. --large adds the translation-sized rows
(8000 ids each side, embedding 256, encoder 2 x 256, decoder 512, 32 + 32 tokens; step B 128, beam B 64).
Before timing, the batched beam search is checked against a plain one-hypothesis-at-a-time beam search
(check_beam: float64, a small model, k 1, 3, 5, hypotheses that finish early included).
cuDNN on CUDA when there is one (timed with torch.cuda.synchronize), else the CPU. Median ms of --reps runs
after 3 warm-ups.
    python3 bench/torch_seq2seq.py [--device cuda|cpu] [--reps 20] [--tf32 on|off] [--large] [--only a,b]"""
import argparse, json, statistics, time, torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ap = argparse.ArgumentParser()
ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
ap.add_argument('--reps', type=int, default=20); ap.add_argument('--tf32', default='on')
ap.add_argument('--large', action='store_true'); ap.add_argument('--only', default='')
a = ap.parse_args()
torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = a.tf32 == 'on'
dev = a.device
sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
START, END = 0, 1

def timed(f, n=a.reps, warm=3):
    for _ in range(warm): f()
    sync(); ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); sync(); ts.append((time.perf_counter() - t0) * 1e3)
    return round(statistics.median(ts), 3)

class Seq2Seq(nn.Module):
    def __init__(self, Vs, Vt, E, H):
        super().__init__()
        Hd = Dv = 2 * H
        self.src, self.tgt = nn.Embedding(Vs, E), nn.Embedding(Vt, E)
        self.enc, self.bridge, self.dec = nn.GRU(E, H, bidirectional=True), nn.Linear(Dv, Hd), nn.GRU(E, Hd)
        self.wa = nn.Linear(Dv, Hd, bias=False)        # the 'general' score q . W_a k, W_a applied to the keys once
        self.wc = nn.Linear(Dv + Hd, Hd, bias=False)   # h~ = tanh(W_c [c; h])
        self.out = nn.Linear(Hd, Vt)

    def encode(self, src, lengths):
        """Keys [S, B, 2H], their projection W_a k, the padding mask [B, S] and the decoder's h0 [1, B, 2H]."""
        S = src.shape[0]
        packed = pack_padded_sequence(self.src(src), lengths, enforce_sorted=False)
        out, h = self.enc(packed)
        keys = pad_packed_sequence(out, total_length=S)[0]
        pad = torch.arange(S, device=src.device)[None, :] >= lengths.to(src.device)[:, None]
        return keys, self.wa(keys), pad, torch.tanh(self.bridge(torch.cat([h[0], h[1]], -1)))[None]

    def attend(self, q, keys, projected, pad):
        """Luong attention after the decoder, over all its steps q [T, B, Hd]: logits [T, B, V] and alpha [B, T, S]."""
        scores = torch.einsum('tbh,sbh->bts', q, projected).masked_fill(pad[:, None, :], float('-inf'))
        alpha = torch.softmax(scores, -1)
        context = torch.einsum('bts,sbd->tbd', alpha, keys)
        return self.out(torch.tanh(self.wc(torch.cat([context, q], -1)))), alpha

def batch(B, S, T, Vs, Vt, g):
    lo = max(1, round(S / 3))
    lengths = torch.tensor([S if B == 1 else round(lo + (S - lo) * b / (B - 1)) for b in range(B)])
    src = torch.randint(0, Vs, (S, B), generator=g).masked_fill(torch.arange(S)[:, None] >= lengths[None, :], 0)
    tgt = torch.cat([torch.full((1, B), START), torch.randint(2, Vt, (T - 1, B), generator=g), torch.full((1, B), END)])
    return src.to(dev), lengths, tgt.to(dev)  # lengths stay on the host, as pack_padded_sequence wants them

def train_step(model, opt, src, lengths, tgt):
    opt.zero_grad(set_to_none=True)
    keys, projected, pad, h0 = model.encode(src, lengths)
    logits = model.attend(model.dec(model.tgt(tgt[:-1]), h0)[0], keys, projected, pad)[0]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[1:].reshape(-1), ignore_index=-1)
    loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    return loss.item()

@torch.no_grad()
def beam_decode(model, src, lengths, k, L):
    """Each source's k hypotheses, best first: (tokens, score) lists and attention [B, k, L, S]."""
    S, B = src.shape
    V = model.out.out_features
    keys, projected, pad, h0 = model.encode(src, lengths)
    rows = torch.arange(B, device=dev).repeat_interleave(k)                  # hypothesis b.k + i reads source b
    keys, projected, pad, h = keys[:, rows], projected[:, rows], pad[rows], h0[:, rows]
    slots = torch.arange(k, device=dev).expand(B, k)
    score = torch.zeros(B, k, device=dev); score[:, 1:] = float('-inf')     # step 0: one hypothesis per source
    finished = torch.zeros(B, k, dtype=torch.bool, device=dev)
    tokens = torch.full((B * k,), START, device=dev)
    history = []                                                              # (tokens, parents, alpha) per step
    for _ in range(L):
        out, h = model.dec(model.tgt(tokens)[None], h)
        logits, alpha = model.attend(out, keys, projected, pad)
        expand = score[..., None] + torch.log_softmax(logits[0], -1).view(B, k, V)
        expand = expand.masked_fill(finished[..., None], float('-inf'))     # finished hypotheses are not expanded
        best, index = expand.view(B, k * V).topk(k, -1)                     # the k best of k.V, best first
        live = ~finished
        rank = (live.cumsum(-1) - 1).clamp(min=0)                             # the j-th live slot takes the j-th best
        pick, picked = best.gather(1, rank), index.gather(1, rank)
        parent = torch.where(live, picked // V, slots)                        # a finished slot continues itself
        token = torch.where(live, picked % V, torch.full_like(picked, END))
        score = torch.where(live, pick, score)
        finished = finished | (live & (token == END))
        parents = (torch.arange(B, device=dev)[:, None] * k + parent).view(-1)
        h, tokens = h[:, parents], token.view(-1)
        history.append((tokens, parents, alpha[:, 0]))
    row = torch.arange(B * k, device=dev)                                     # trace back from the last step
    traced_tokens, traced_alpha = [], []
    for t_tokens, t_parents, t_alpha in reversed(history):
        traced_tokens.append(t_tokens[row]); traced_alpha.append(t_alpha[row]); row = t_parents[row]
    order = score.argsort(-1, descending=True)                                 # no length penalty: rank by log-prob
    final = torch.stack(traced_tokens[::-1], -1).view(B, k, L).gather(1, order[..., None].expand(B, k, L))
    attention = torch.stack(traced_alpha[::-1], 1).view(B, k, L, S).gather(
        1, order[..., None, None].expand(B, k, L, S))
    ids, scores, attention = final.cpu().tolist(), score.gather(1, order).cpu().tolist(), attention.cpu()  # the readback
    hyps = [[(h[:h.index(END) + 1] if END in h else h, s) for h, s in zip(ih, isc)] for ih, isc in zip(ids, scores)]
    return hyps, attention

def reference_beam(model, src, lengths, b, k, L):
    """Source b's beam search one hypothesis at a time, candidates sorted by (-score, slot, token): the check."""
    keys, projected, pad, h0 = (x[:, b:b + 1] if x.dim() == 3 else x[b:b + 1] for x in model.encode(src, lengths))
    hyps = [([], 0.0, False, h0)]                                             # tokens, score, finished, state
    for t in range(L):
        candidates = []
        for i, (tokens, s, done, h) in enumerate(hyps):
            if done: continue
            out, h2 = model.dec(model.tgt(torch.tensor([[tokens[-1] if tokens else START]], device=src.device)), h)
            logp = torch.log_softmax(model.attend(out, keys, projected, pad)[0][0, 0], -1).tolist()
            candidates += [(s + lp, i, v, h2) for v, lp in enumerate(logp)]
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        if t == 0: hyps = hyps * k                                            # k slots, all from the one start
        fresh, previous, hyps = iter(candidates), hyps, []
        for hyp in previous:                                                  # a live slot takes the next best
            if hyp[2]: hyps.append(hyp); continue
            s, i, v, h2 = next(fresh)
            hyps.append((previous[i][0] + [v], s, v == END, h2))
    return [(tokens, s) for tokens, s, _, _ in sorted(hyps, key=lambda x: -x[1])]

@torch.no_grad()
def check_beam():
    """The batched search against reference_beam on a small float64 model whose end token is likely (so
    hypotheses finish and freeze): the same tokens and scores for every hypothesis, or the script stops."""
    torch.manual_seed(0)
    model = Seq2Seq(11, 7, 5, 6).double().to(dev).eval()
    model.out.bias[END] += 1.5
    src, lengths, _ = batch(3, 6, 4, 11, 7, torch.Generator().manual_seed(7))
    for k in (1, 3, 5):
        got = beam_decode(model, src, lengths, k, 5)[0]
        for b in range(3):
            want = reference_beam(model, src, lengths, b, k, 5)
            if not all(g[0] == w[0] and abs(g[1] - w[1]) < 1e-9 for g, w in zip(got[b], want)):
                raise SystemExit(f'beam search check failed: k {k}, source {b}: {got[b]} vs the reference {want}')

DATES = dict(Vs=71, Vt=14, E=16, H=32, S=28, T=11)
LARGE = dict(Vs=8000, Vt=8000, E=256, H=256, S=32, T=32)
WORKLOADS = [('seq2seq-step', DATES, 256, 0), ('beam-decode', DATES, 128, 4), ('greedy-decode', DATES, 128, 1)]
if a.large: WORKLOADS += [('seq2seq-step-large', LARGE, 128, 0), ('beam-decode-large', LARGE, 64, 4)]
only = [n for n in a.only.split(',') if n]
meta = dict(backend=f'torch-{dev}', device=torch.cuda.get_device_name() if dev == 'cuda' else 'cpu',
            torch=torch.__version__, threads=torch.get_num_threads(), tf32=a.tf32)
check_beam()
rows = []
for name, size, B, k in WORKLOADS:
    if only and name not in only: continue
    torch.manual_seed(0)
    model = Seq2Seq(size['Vs'], size['Vt'], size['E'], size['H']).to(dev)
    src, lengths, tgt = batch(B, size['S'], size['T'] + 1, size['Vs'], size['Vt'], torch.Generator().manual_seed(7))
    T = size['T']
    if k == 0:
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        ms = timed(lambda: train_step(model, opt, src, lengths, tgt))
        row = dict(workload=name, mode='train', B=B, S=size['S'], T=T, ms_median=ms, tokens_per_s=round(B * T * 1e3 / ms, 1))
    else:
        model.eval()
        ms = timed(lambda: beam_decode(model, src, lengths, k, T))
        row = dict(workload=name, mode='decode', B=B, S=size['S'], T=T, beam_width=k, ms_median=ms,
                   tokens_per_s=round(B * k * T * 1e3 / ms, 1), sources_per_s=round(B * 1e3 / ms, 1))
    rows.append(dict(row, **meta)); print(json.dumps(rows[-1]), flush=True)
print(f"\nworkload | mode | torch-{dev} ms | tokens/s | sources/s")
for r in rows: print(f"{r['workload']} | {r['mode']} | {r['ms_median']} | {r['tokens_per_s']} | {r.get('sources_per_s', '')}")
