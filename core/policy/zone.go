package policy

import (
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/zones"
)

// Zone is the time zone a send is judged in: the customer's (the event's
// customer.time_zone), else the service's (service_time_zones), else the
// policy's time_zone, else fallback (CCFLOW_TIME_ZONE), else UTC. A name
// that does not load is passed over. It returns the zone and its name.
func (p Policy) Zone(customerZone, service, fallback string) (*time.Location, string) {
	candidates := []string{customerZone, p.serviceZone(service), p.TimeZone, fallback}
	for _, name := range candidates {
		if name == "" || name == "Local" {
			continue
		}
		if loc, err := zones.Load(name); err == nil {
			return loc, name
		}
	}
	return time.UTC, "UTC"
}

// serviceZone finds service's zone, its name compared as matching
// compares services: without regard to case or surrounding spaces.
func (p Policy) serviceZone(service string) string {
	service = strings.TrimSpace(service)
	if service == "" {
		return ""
	}
	if tz, ok := p.ServiceTimeZones[service]; ok {
		return tz
	}
	for svc, tz := range p.ServiceTimeZones {
		if strings.EqualFold(svc, service) {
			return tz
		}
	}
	return ""
}

// Window is the sending window of channel: the entry's override when it
// names the channel, else the policy's, else the default. nil is any time.
func (p Policy) Window(channel string, entry QuietHours) *Window {
	if w, ok := entry[channel]; ok {
		return w
	}
	if w, ok := p.QuietHours[channel]; ok {
		return w
	}
	return DefaultQuietHours()[channel]
}
