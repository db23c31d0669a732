package linnworks

//go:generate go run ./internal/ratelimitgen -specs ../../../shared/specs/linnworks/1.0 -out ratelimits_gen.go
