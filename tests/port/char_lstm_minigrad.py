"""The same script ported to minigrad: the imports and three lines changed."""
import minigrad as torch
from minigrad import nn
from nn import functional as F

text = "hello world, hello minigrad; the quick brown fox jumps over the lazy dog. " * 3
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class CharLSTM(nn.Module):
    def __init__(self, vocab, embed=8, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def train(model, steps=15, seq=12, batch=4):
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(steps):
        starts = [(step * 7 + 13 * b) % (len(data) - seq - 1) for b in range(batch)]
        x = torch.stack([data[s:s + seq] for s in starts])
        y = torch.stack([data[s + 1:s + seq + 1] for s in starts])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.permute(0, 2, 1), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


def sample(model, start="h", length=20):
    x, state, out = torch.tensor([[stoi[start]]]), None, start
    with torch.no_grad():
        for _ in range(length):
            logits, state = model(x, state)
            probs = F.softmax(logits[0, -1], dim=-1)
            nxt = torch.multinomial(probs, 1).item()
            out += chars[nxt]
            x = torch.tensor([[nxt]])
    return out


def checkpoint(model, path):
    nn.save(model.state_dict(), path)
    model.load_state_dict(nn.load(path))
