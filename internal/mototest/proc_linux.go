package mototest

import "syscall"

// procAttr puts the server in its own process group, so Close can stop it
// with its children, and has the kernel kill it if the test binary dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
