def forward(y):
    return y
