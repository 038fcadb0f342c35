"""The demo county: Fuyang district (富阳区, 330111) with its real boundary and divisions, and
synthetic grids, people and units sized like the seed documents."""
