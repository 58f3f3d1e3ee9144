def test_x():
    import domain.text  # noqa
