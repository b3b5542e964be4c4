"""Deep-learning fundamentals written from scratch in NumPy (course unit 2).

Nothing here imports torch, Kedro or MLflow: the neuron models, the perceptron, an MLP with
hand-written backpropagation, optimizers on cost surfaces, softmax, regularizers, Hebbian
learning and the shallow-vs-deep study are plain functions over ``numpy`` arrays, so the
tests can hold them against ``torch.autograd`` and the pipeline can report them.
"""
