"""Scalable oversight, weak-to-strong: can a weak supervisor's labels train a stronger model?

Once models outgrow their overseers, every label they learn from is a weak label. Burns et
al. (2023) study the analogy "a small model supervises a big one": fine-tune the strong
model on a weak model's labels and measure the performance gap recovered,

    PGR = (student - weak) / (ceiling - weak),

where the ceiling is the same strong model trained on ground truth. PGR = 1: weak labels
cost nothing; PGR = 0: the student only imitates its supervisor. The student can beat its
teacher when the truth is easy to express in the student's own representation while the
teacher's mistakes are not, so fitting the labels means fitting the signal, not the errors.
When the mistakes are just as easy to express, the student copies them.

Toy version: the truth is y = [x . w* > 0] in d = 20 dimensions. The strong student is a
logistic regression on the clean features x (its "pretrained representation"). A weak
supervisor knows the right rule but judges each example from a blurred view of it, so it
errs near the decision boundary, in a pattern no linear function of x can reproduce.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["scalable-oversight"]

D, N_TRAIN, N_TEST = 20, 2000, 4000
NOISE = 1.0  # how blurred the weak supervisor's view is (x . w* gets N(0, 1) added)


def train_linear(x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Logistic regression by full-batch gradient descent: the strong student's fine-tuning."""
    w = torch.zeros(x.shape[1], device=x.device, requires_grad=True)
    for _ in range(150):
        loss = F.binary_cross_entropy_with_logits(x @ w, labels.float())
        (grad,) = torch.autograd.grad(loss, w)
        w = (w - 2.0 * grad).detach().requires_grad_()
    return w.detach()


def accuracy(predictions: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    return (predictions == truth).float().mean()


def pgr(student: torch.Tensor, weak: torch.Tensor, ceiling: torch.Tensor) -> torch.Tensor:
    """The fraction of the weak-to-ceiling gap that training on weak labels closed."""
    return (student - weak) / (ceiling - weak)


def run(demo: Demo) -> None:
    w_star = demo.randn(D, seed=0)
    w_star = w_star / w_star.norm()
    x_train, x_test = demo.randn(N_TRAIN, D, seed=1), demo.randn(N_TEST, D, seed=2)
    truth_train, truth_test = x_train @ w_star > 0, x_test @ w_star > 0

    # The weak supervisor: the right rule applied to a noisy view of each input. It labels
    # the training set for the student; its own accuracy is measured on the test inputs,
    # which it sees through fresh noise, like every other model here.
    def weak_supervisor(x: torch.Tensor, seed: int) -> torch.Tensor:
        blurred = x + NOISE * demo.randn(*x.shape, seed=seed)
        return blurred @ w_star > 0

    weak_labels = weak_supervisor(x_train, seed=3)
    weak = accuracy(weak_supervisor(x_test, seed=4), truth_test)

    # The ceiling: the strong model trained on ground truth. The student: the same model
    # trained on the weak labels only; it never sees a true label.
    ceiling = accuracy(x_test @ train_linear(x_train, truth_train) > 0, truth_test)
    w_student = train_linear(x_train, weak_labels)
    student = accuracy(x_test @ w_student > 0, truth_test)
    demo.at_least("the strong ceiling reaches >= 95% on held-out truth", ceiling, 0.95)

    # The negative control: a supervisor just as weak, whose mistakes ARE easy for the
    # student to express. It applies a wrong linear rule to clean inputs: w* tilted by 45
    # degrees, so it errs on 45/180 = 25% of inputs, as often as the blurred supervisor
    # (whose margin x . w* ~ N(0, 1) gets N(0, 1) noise: also a 45-degree error cone).
    tilt = demo.randn(D, seed=5)
    tilt = tilt - (tilt @ w_star) * w_star  # orthogonal to w*
    w_wrong = w_star + tilt / tilt.norm()
    copyable_labels = x_train @ w_wrong > 0
    copyable_weak = accuracy(x_test @ w_wrong > 0, truth_test)
    copycat = accuracy(x_test @ train_linear(x_train, copyable_labels) > 0, truth_test)
    demo.at_most(
        "the two supervisors are equally weak: accuracies within 3 points",
        (weak - copyable_weak).abs(),
        0.03,
    )

    beats = demo.at_least(
        "trained only on weak labels, the student beats its supervisor by >= 10 points",
        student - weak,
        0.10,
    )
    beats.broken(
        "when the supervisor's errors are linear in x, the student copies them",
        copycat - copyable_weak,
    )
    # PGR well above 0 but short of 1: the weak labels still cost something. (A student
    # that secretly saw the truth would score PGR = 1 and fail the upper bound.)
    recovered = demo.between(
        "it recovers 60-97% of the gap to the ceiling (PGR)", pgr(student, weak, ceiling), 0.6, 0.97
    )
    recovered.broken(
        "PGR ~ 0 for the supervisor with copyable errors", pgr(copycat, copyable_weak, ceiling)
    )

    # How it gets there: it does not fit the supervisor's errors. On the very inputs it was
    # trained on, it disagrees with most of the labels the supervisor got wrong.
    wrong = weak_labels != truth_train
    overruled = ((x_train @ w_student > 0) != weak_labels)[wrong].float().mean()
    demo.at_least("the student overrules >= 60% of its supervisor's wrong labels", overruled, 0.6)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "measure the gap from zero instead of from the weak supervisor",
        "return (student - weak) / (ceiling - weak)",
        "return (student - weak) / ceiling",
    ),
    (
        "the weak supervisor's labels inverted",
        "return blurred @ w_star > 0",
        "return blurred @ w_star < 0",
    ),
    (
        "the student is trained on ground truth: not weak supervision at all",
        "w_student = train_linear(x_train, weak_labels)",
        "w_student = train_linear(x_train, truth_train)",
    ),
]
