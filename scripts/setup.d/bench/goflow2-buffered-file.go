// Added to goflow2's main package by goflow2.sh (a build for the benchmark only, not part of the
// pack). goflow2's "file" transport makes two write(2) calls per flow message (the message, then
// the line separator); on a VM where a system call costs microseconds those calls, not decoding,
// set its rate. This transport writes the same length-delimited protobuf messages through a 64 KiB
// buffer, one write(2) per buffer, the way a Kafka producer batches them in production.
package main

import (
	"bufio"
	"flag"
	"os"
	"sync"

	"github.com/netsampler/goflow2/v2/transport"
)

type bufferedFileDriver struct {
	path string
	lock sync.Mutex
	file *os.File
	out  *bufio.Writer
}

func (d *bufferedFileDriver) Prepare() error {
	flag.StringVar(&d.path, "transport.bufferedfile", os.DevNull, "File the bufferedfile transport writes to")
	return nil
}

func (d *bufferedFileDriver) Init() error {
	file, err := os.OpenFile(d.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	d.file = file
	d.out = bufio.NewWriterSize(file, 64*1024)
	return nil
}

// Send is called by every decoding worker.
func (d *bufferedFileDriver) Send(key, data []byte) error {
	d.lock.Lock()
	defer d.lock.Unlock()
	_, err := d.out.Write(data)
	return err
}

func (d *bufferedFileDriver) Close() error {
	d.lock.Lock()
	defer d.lock.Unlock()
	if err := d.out.Flush(); err != nil {
		return err
	}
	return d.file.Close()
}

func init() {
	transport.RegisterTransportDriver("bufferedfile", &bufferedFileDriver{})
}
