"""Knowledge distillation: a student learns from a teacher's softened probabilities.

A trained teacher puts small but telling probabilities on the wrong classes ("a 7 looks a
bit like a 1, not at all like a 4"). Dividing both models' logits by a temperature T > 1
makes those small numbers large enough to learn from, and the student minimises the KL
divergence from the softened teacher to its own softened output. The gradient of that KL
with respect to the student's logits is (p_student - p_teacher) / T, which shrinks as 1/T^2
once T is large, so the loss is multiplied by T^2 to keep its size independent of T.
"""

from collections.abc import Callable

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["knowledge-distillation"]

D, K = 20, 10  # input features, classes
N_TRANSFER, N_TEST = 30, 2000  # a small transfer set, a large held-out set
Loss = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


def distill_loss(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, T: float
) -> torch.Tensor:
    """T^2 * KL(softmax(teacher / T) || softmax(student / T)), averaged over the batch."""
    log_p_student = F.log_softmax(student_logits / T, dim=-1)
    p_teacher = F.softmax(teacher_logits / T, dim=-1)
    kl = F.kl_div(log_p_student, p_teacher, reduction="batchmean")
    return T**2 * kl


def logit_grad(
    loss_fn: Loss, student: torch.Tensor, teacher: torch.Tensor, T: float
) -> torch.Tensor:
    z = student.clone().requires_grad_()
    (grad,) = torch.autograd.grad(loss_fn(z, teacher, T), z)
    return grad


def train_student(x: torch.Tensor, teacher_logits: torch.Tensor, soft: bool) -> torch.Tensor:
    """A linear student fitted by full-batch gradient descent, on soft or on hard targets."""
    w = torch.zeros(D, K, device=x.device, requires_grad=True)
    hard = teacher_logits.argmax(-1)  # what a plain labelled data set would hold
    for _ in range(80):
        logits = x @ w
        loss = distill_loss(logits, teacher_logits, 4.0) if soft else F.cross_entropy(logits, hard)
        (grad,) = torch.autograd.grad(loss, w)
        w = (w - 4.0 * grad).detach().requires_grad_()
    return w.detach()


def run(demo: Demo) -> None:
    # The gradient with respect to the student's logits is T (p_student - p_teacher) once the
    # loss carries its T^2 factor: autograd must agree with the formula.
    student, teacher = demo.randn(8, K, seed=0), demo.randn(8, K, seed=1) * 3
    T = 3.0
    expected = T * (F.softmax(student / T, -1) - F.softmax(teacher / T, -1)) / student.shape[0]
    demo.close(
        "grad of T^2 KL wrt student logits = T (p_s - p_t) / batch",
        logit_grad(distill_loss, student, teacher, T),
        expected,
    )

    # High temperature: softmax(z / T) ~ (1 + z / T) / K for zero-mean logits, so the scaled
    # gradient tends to (z_s - z_t) / K: distillation becomes matching logits (Hinton et al.).
    # The neglected terms are O(|z| / T): about 2% of the gradient at T = 100.
    zs, zt = student - student.mean(-1, keepdim=True), teacher - teacher.mean(-1, keepdim=True)

    def logit_matching_error(T: float) -> torch.Tensor:
        matching = (zs - zt) / (K * student.shape[0])
        return (logit_grad(distill_loss, zs, zt, T) - matching).norm() / matching.norm()

    matching = demo.at_most(
        "at T = 100 the gradient is logit matching, (z_s - z_t) / (K batch), within 5%",
        logit_matching_error(100.0),
        0.05,
    )
    matching.broken("at T = 1 it is not", logit_matching_error(1.0))

    # Why T^2: without it the gradient shrinks as 1 / T^2, so doubling T quarters it and
    # the soft term would vanish next to a hard-label term. With it, the size holds steady.
    def unscaled(z: torch.Tensor, t: torch.Tensor, T: float) -> torch.Tensor:
        return distill_loss(z, t, T) / T**2

    def ratio(loss_fn: Loss) -> torch.Tensor:
        g10 = logit_grad(loss_fn, student, teacher, 10.0).norm()
        return g10 / logit_grad(loss_fn, student, teacher, 20.0).norm()

    steady = demo.between(
        "with T^2, |grad| at T=10 over T=20 is within 10% of 1", ratio(distill_loss), 0.9, 1.1
    )
    steady.broken("without the T^2 factor it is ~4 (the 1/T^2 fall-off)", ratio(unscaled))

    # Dark knowledge. A teacher (here a fixed linear model, so the student can represent it)
    # labels a transfer set of only 30 inputs. Hard labels give 30 class indices; soft targets
    # give 30 whole distributions, including how much each wrong class resembles the right
    # one, which pins the student down far better on inputs it never saw.
    w_teacher = demo.randn(D, K, seed=2)
    x_transfer, x_test = demo.randn(N_TRANSFER, D, seed=3), demo.randn(N_TEST, D, seed=4)
    t_test = x_test @ w_teacher
    agree = {}
    kl = {}
    for name, soft in (("soft", True), ("hard", False)):
        w = train_student(x_transfer, x_transfer @ w_teacher, soft)
        s_test = x_test @ w
        agree[name] = (s_test.argmax(-1) == t_test.argmax(-1)).float().mean()
        # How well the student reproduces the teacher's whole distribution, wrong classes too.
        kl[name] = distill_loss(s_test, t_test, 4.0) / 16.0
    matches = demo.at_least(
        "soft-target student agrees with the teacher on >= 90% of held-out inputs",
        agree["soft"],
        0.9,
    )
    matches.broken("a hard-label student on the same 30 inputs does not", agree["hard"])
    close_dist = demo.at_most(
        "soft-target student's held-out KL to the teacher at T=4 is <= 0.05", kl["soft"], 0.05
    )
    close_dist.broken("the hard-label student's is not", kl["hard"])


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("drop the T^2 factor", "return T**2 * kl", "return kl"),
    (
        "do not soften the teacher",
        "p_teacher = F.softmax(teacher_logits / T, dim=-1)",
        "p_teacher = F.softmax(teacher_logits, dim=-1)",
    ),
    (
        "train the student on hard labels only",
        "distill_loss(logits, teacher_logits, 4.0) if soft else",
        "",
    ),
]
