package linnworks

//go:generate go run ./internal/ratelimitgen -specs ../linnworkssandbox/spec/1.0 -out ratelimits_gen.go
