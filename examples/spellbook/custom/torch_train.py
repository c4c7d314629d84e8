import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from spellbook.utils.variables import BATCH_SIZE, EPOCHS, LEARNING_RATE, X_COLS, Y_COLS

if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@custom
def torch_train(df, *args, **kwargs):
    """
    Train a small neural network that predicts survival, and add its predictions as `Survived_predict`.

    Needs PyTorch: `pip install torch` (see requirements.txt).
    """
    torch.manual_seed(0)
    x = torch.tensor(df[X_COLS].to_numpy(dtype='float32'))
    y = torch.tensor(df[Y_COLS].to_numpy(dtype='float32'))

    model = nn.Sequential(nn.Linear(len(X_COLS), 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())
    loss_function = nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    batches = DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)

    model.train()
    for _ in range(EPOCHS):
        for x_batch, y_batch in batches:
            optimizer.zero_grad()
            loss = loss_function(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        predicted = (model(x) >= 0.5).int().squeeze(1).numpy()

    df = df.copy()
    df['Survived_predict'] = predicted
    return df


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
    assert set(output['Survived_predict'].unique()) <= {0, 1}, 'Predictions should be 0 or 1'
