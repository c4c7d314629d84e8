import numpy as np

from spellbook.utils.variables import BATCH_SIZE, EPOCHS, NUMPY_LEARNING_RATE, X_COLS, Y_COLS

if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@custom
def numpy_train(df, *args, **kwargs):
    """
    Predict survival with a logistic regression trained by mini-batch gradient descent in plain numpy
    (the torch_train idea without PyTorch), and add the predictions as `Survived_predict`.
    """
    x = df[X_COLS].to_numpy(dtype=float)
    y = df[Y_COLS].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)

    rng = np.random.default_rng(0)
    weights = np.zeros((x.shape[1], 1))
    bias = 0.0
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            probability = sigmoid(x[batch] @ weights + bias)
            error = probability - y[batch]  # the gradient of the log loss with respect to the logits
            weights -= NUMPY_LEARNING_RATE * x[batch].T @ error / len(batch)
            bias -= NUMPY_LEARNING_RATE * error.mean()

    df = df.copy()
    df['Survived_predict'] = (sigmoid(x @ weights + bias)[:, 0] >= 0.5).astype(int)
    return df


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
    accuracy = (output['Survived_predict'] == output['Survived']).mean()
    assert accuracy > 0.6, f'Training accuracy is only {accuracy:.2f}'
