package main

import "reflect"

// Select over a program-chosen list of channels: reflect.Select is Go's select statement with
// a case list built at run time (same uniform choice among ready cases).

func selectRecvIdx(cases []reflectCase) (int, int64, bool) {
	rc := make([]reflect.SelectCase, len(cases))
	for i, c := range cases {
		rc[i] = reflect.SelectCase{Dir: reflect.SelectRecv}
		if c.c != nil {
			rc[i].Chan = reflect.ValueOf(c.c)
		}
	}
	i, v, ok := reflect.Select(rc)
	if !ok {
		return i, 0, false
	}
	return i, v.Int(), true
}

func selectRecv(cases []reflectCase) (int64, int64, bool) {
	i, v, ok := selectRecvIdx(cases)
	return cases[i].id, v, ok
}

func selectSend(cases []reflectCase, v int64) {
	rc := make([]reflect.SelectCase, len(cases))
	for i, c := range cases {
		rc[i] = reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(c.c), Send: reflect.ValueOf(v)}
	}
	reflect.Select(rc)
}

// selectRecvDefault: a select over receive cases with a default; chosen is false when the
// default ran.
func selectRecvDefault(cases []reflectCase) (i int, v int64, ok bool, chosen bool) {
	rc := make([]reflect.SelectCase, len(cases)+1)
	for k, c := range cases {
		rc[k] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.c)}
	}
	rc[len(cases)] = reflect.SelectCase{Dir: reflect.SelectDefault}
	k, x, ok := reflect.Select(rc)
	if k == len(cases) {
		return 0, 0, false, false
	}
	if ok {
		v = x.Int()
	}
	return k, v, ok, true
}
