//go:build unix && !linux

package mototest

import "syscall"

// procAttr puts the server in its own process group, so Close can stop it
// with its children.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
