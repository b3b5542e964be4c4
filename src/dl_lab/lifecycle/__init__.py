"""The life of a model after training: champion/challenger promotion, incoming data, serving."""
