package graph

import (
	_ "gorgonia.org/gorgonia"
	_ "gorgonia.org/tensor"
)
