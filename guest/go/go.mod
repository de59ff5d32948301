module zkc/guest/zkvm

go 1.24
