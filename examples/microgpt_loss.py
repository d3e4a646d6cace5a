"""A loss in microgpt's style (2026): a Value with `__slots__`, its
`_children` and the `_local_grads` of its operation as tuples, and one loop
in `backward()` that pulls each node's grad into its children:
`child.grad += local_grad * v.grad`.

Here a two-class softmax cross-entropy of one neuron: two logits from two
weights, their softmax, the loss -log p[target], backward, and one step of
gradient descent. `bpcli trace examples/microgpt_loss.py` shows each node the
loop visits, its children and local grads, and each pull with its line.
"""

import math


class Value:
    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return Value(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


x = Value(1.5)
w0 = Value(0.5)
w1 = Value(-0.25)
logit0 = w0 * x
logit1 = w1 * x
e0 = logit0.exp()
e1 = logit1.exp()
total = e0 + e1
p0 = e0 / total
loss = -p0.log()
loss.backward()
print("loss", loss.data)
print("w0.grad", w0.grad, "w1.grad", w1.grad)
for p in (w0, w1):
    p.data -= 0.1 * p.grad
