module zkc/examples/hash

go 1.24

require zkc/guest/zkvm v0.0.0

replace zkc/guest/zkvm => ../../guest/go
