"""Serving metrics: TTFT, TPOT and throughput, measured from token timestamps of a simulated server.

An LLM server does two kinds of work. Prefill runs the whole prompt through the model at
once; it is compute-bound, so its time grows with the number of prompt tokens, and it ends
with the first output token: the time to first token (TTFT). Decode then produces one token
per step for every running sequence; each step must stream all the weights from memory
whatever the batch size, so a step costs a large fixed amount plus a little per sequence.
Hence batching: more sequences per step multiply throughput (tokens per second) while each
sequence's time per output token (TPOT, the mean inter-token latency) rises only a little.
And when prefill and decode share one GPU, a long prompt arriving stalls every running
sequence for the length of its prefill; disaggregated serving runs prefill on other workers.

The cost model below is a stand-in for a real GPU (numbers of the right order for a
7B-parameter model); every metric is computed from the timestamps the simulation records,
exactly as a benchmark client would compute it.
"""

import statistics
from dataclasses import dataclass, field

from demos.harness import Demo

CONCEPTS = ["serving-metrics"]


@dataclass(frozen=True)
class Cost:
    """Seconds per unit of work."""

    prefill_fixed: float = 0.010
    prefill_per_token: float = 0.0002  # compute-bound: proportional to prompt tokens
    step_fixed: float = 0.020  # reading every weight once per decode step, any batch size
    step_per_seq: float = 0.0005  # per sequence in the batch
    step_per_context: float = 1e-6  # reading each cached key and value

    def prefill(self, tokens: int) -> float:
        return self.prefill_fixed + self.prefill_per_token * tokens

    def step(self, batch: int, context: int) -> float:
        return self.step_fixed + self.step_per_seq * batch + self.step_per_context * context


@dataclass
class Request:
    arrival: float
    prompt: int
    output: int
    times: list[float] = field(default_factory=list)  # when each output token came out
    ready: float = 0.0  # when its first token exists and it may join decoding


def serve(requests: list[Request], cost: Cost, disaggregated: bool = False) -> None:
    """Continuous batching on one decode worker; fills in every request's token times.

    Collocated: prompts that have arrived are prefilled together at a step boundary, and
    decoding waits meanwhile. Disaggregated: a separate prefill worker handles prompts one
    after another and hands each over (its KV cache, assumed free to move) when it is done.
    """
    clock, prefill_free = 0.0, 0.0
    waiting = sorted(requests, key=lambda r: r.arrival)
    handed_over: list[Request] = []
    running: list[Request] = []
    while waiting or handed_over or running:
        arrived = [r for r in waiting if r.arrival <= clock]
        for r in arrived:
            waiting.remove(r)
        if disaggregated:
            for r in arrived:
                start = max(r.arrival, prefill_free)
                prefill_free = start + cost.prefill(r.prompt)
                r.times.append(prefill_free)  # the prefill emits the first token
                r.ready = prefill_free
                handed_over.append(r)
        elif arrived:
            clock += cost.prefill(sum(r.prompt for r in arrived))  # decoding pauses meanwhile
            for r in arrived:
                r.times.append(clock)
                r.ready = clock
            handed_over.extend(arrived)
        running += [r for r in handed_over if r.ready <= clock]
        handed_over = [r for r in handed_over if r.ready > clock]
        running = [r for r in running if len(r.times) < r.output]
        if not running:  # idle: jump to the next arrival or hand-over
            upcoming = [r.arrival for r in waiting] + [r.ready for r in handed_over]
            clock = max(clock, min(upcoming)) if upcoming else clock
            continue
        context = sum(r.prompt + len(r.times) for r in running)
        clock += cost.step(len(running), context)  # one decode step: a token for each
        for r in running:
            r.times.append(clock)


def ttft(r: Request) -> float:
    return r.times[0] - r.arrival


def tpot(r: Request) -> float:
    """Mean time per output token after the first: (last - first) / (tokens - 1)."""
    return (r.times[-1] - r.times[0]) / (len(r.times) - 1)


def throughput(requests: list[Request]) -> float:
    """Output tokens per second of wall time, first arrival to last token."""
    start = min(r.arrival for r in requests)
    return sum(len(r.times) for r in requests) / (max(r.times[-1] for r in requests) - start)


def batch_of(size: int, cost: Cost, prompt: int = 128, output: int = 33) -> list[Request]:
    requests = [Request(0.0, prompt, output) for _ in range(size)]
    serve(requests, cost)
    return requests


def run(demo: Demo) -> None:
    cost = Cost()

    # 1. TPOT from the timestamps equals the cost model's decode steps: one request alone
    #    takes 32 steps after its first token, each reading a context one token longer.
    (alone,) = batch_of(1, cost)
    steps = [cost.step(1, 128 + k) for k in range(1, alone.output)]
    per_token = demo.close(
        "TPOT from timestamps = mean decode-step time of the cost model",
        tpot(alone),
        sum(steps) / len(steps),
        rtol=1e-9,
        atol=0.0,
    )
    # The usual slip: end-to-end latency over all output tokens, which folds TTFT in.
    per_token.broken(
        "latency / output tokens is not TPOT (it counts the prefill)",
        (alone.times[-1] - alone.arrival) / len(alone.times),
    )
    gaps = [b - a for a, b in zip(alone.times, alone.times[1:], strict=False)]
    demo.close(
        "the mean inter-token latency (ITL) is TPOT",
        statistics.fmean(gaps),
        tpot(alone),
        rtol=1e-9,
        atol=0.0,
        illustration=True,
    )
    demo.close(
        "TTFT of a lone request is one prefill of its prompt",
        ttft(alone),
        cost.prefill(128),
        rtol=1e-9,
        atol=0.0,
    )

    # 2. Batching. Sixteen sequences share each step's fixed cost of reading the weights:
    #    throughput grows ~8x while each sequence's TPOT grows ~1.4x. Were decode
    #    compute-bound (cost proportional to the batch, no fixed part), batching would buy
    #    nothing.
    batch = batch_of(16, cost)
    gain = demo.at_least(
        "batching 16 requests raises throughput at least 4x over one at a time",
        throughput(batch) / throughput([alone]),
        4.0,
    )
    bound = Cost(step_fixed=0.0, step_per_seq=0.0205)
    gain.broken(
        "with a compute-bound decode step (no fixed cost) it does not",
        throughput(batch_of(16, bound)) / throughput(batch_of(1, bound)),
    )
    demo.at_least(
        "and costs each request latency: TPOT at batch 16 / TPOT alone",
        tpot(batch[0]) / tpot(alone),
        1.2,
    )

    # 3. TTFT grows with the prompt (prefill is proportional to it: ~23x for 32x the tokens).
    #    TPOT grows far less (~19%), only by reading the longer KV cache, since a decode step
    #    reads the weights once whatever the context.
    (long,) = batch_of(1, cost, prompt=4096)
    demo.at_least("TTFT at a 4,096-token prompt / TTFT at 128 tokens", ttft(long) / ttft(alone), 5)
    demo.at_most(
        "TPOT at a 4,096-token prompt / TPOT at 128 tokens, minus 1",
        tpot(long) / tpot(alone) - 1,
        0.5,
    )

    # 4. Disaggregation. A chat is decoding when a 8,192-token prompt arrives. Collocated,
    #    the chat's next token waits for that whole prefill (~1.6 s against ~21 ms steps);
    #    with prefill on its own worker, the chat's inter-token latency stays flat.
    def worst_gap(disaggregated: bool) -> float:
        chat, document = Request(0.0, 128, 64), Request(0.3, 8192, 8)
        serve([chat, document], cost, disaggregated)
        gaps = [b - a for a, b in zip(chat.times, chat.times[1:], strict=False)]
        return max(gaps) / statistics.median(gaps)

    flat = demo.at_most(
        "disaggregated: the running chat's worst ITL / its median ITL", worst_gap(True), 1.5
    )
    flat.broken("collocated: a long prefill stalls the running chat", worst_gap(False))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "TPOT divided by every output token, the first included",
        "return (r.times[-1] - r.times[0]) / (len(r.times) - 1)",
        "return (r.times[-1] - r.times[0]) / len(r.times)",
    ),
    (
        "no batching benefit: a decode step has no fixed cost",
        "step_fixed: float = 0.020",
        "step_fixed: float = 0.0",
    ),
    ("prefill always runs on the decode worker", "if disaggregated:", "if False:"),
]
