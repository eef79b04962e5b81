#!/usr/bin/perl
# Writes an AS database in the GeoLite2-ASN layout (autonomous_system_number,
# autonomous_system_organization; IPv6 tree, IPv4 at ::/96) with MaxMind's own writer
# (Debian libmaxmind-db-writer-perl). The one writer of the project: the demo builds its AS
# database from the npm package @ip-location-db/asn with it (scripts/asn-mmdb.mjs), and the tests
# write theirs from rows they choose (test/helpers/mmdb.ts).
#
#   perl scripts/build-asn-mmdb.pl OUT.mmdb [CSV...]    (no CSV: rows on standard input)
#
# Rows are @ip-location-db/asn's CSV: `first,last,asn,organization` (the organization quoted when it
# holds a comma or a quote, quotes doubled). A row may name a network instead of a range:
# `10.0.0.0/8,,64500,Example` (CIDR first, last empty).
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, @inputs) = @ARGV;
die "usage: build-asn-mmdb.pl OUT.mmdb [CSV...]\n" unless defined $out;

my %types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 28, database_type => 'Wirescope-ASN', languages => ['en'],
  description => { en => 'AS numbers and organisations (Wirescope, GeoLite2-ASN layout)' },
  # Tests put private ranges in their databases; the npm data holds no reserved ranges anyway.
  remove_reserved_networks => 0,
  map_key_type_callback => sub { $types{$_[0]} },
);

# One CSV field: plain up to the next comma, or quoted with "" for a quote.
sub fields {
  my ($line) = @_;
  my @out;
  while (length $line) {
    if ($line =~ s/^"((?:[^"]|"")*)"(?:,|$)//) {
      (my $f = $1) =~ s/""/"/g;
      push @out, $f;
    } elsif ($line =~ s/^([^,]*)(?:,|$)//) {
      push @out, $1;
    } else {
      last;
    }
  }
  return @out;
}

my $rows = 0;
my $read = sub {
  my ($fh, $name) = @_;
  binmode $fh, ':encoding(UTF-8)';
  while (my $line = <$fh>) {
    $line =~ s/\r?\n\z//;
    next if $line eq '';
    my ($first, $last, $asn, $org) = fields($line);
    die "$name line $.: expected first,last,asn,organization: $line\n"
      unless defined $org && $asn =~ /^\d+$/ && length $first;
    my $record = { autonomous_system_number => $asn + 0, autonomous_system_organization => $org };
    if ($last eq '') {
      $tree->insert_network($first, $record);
    } else {
      $tree->insert_range($first, $last, $record);
    }
    $rows++;
  }
};
if (@inputs) {
  for my $file (@inputs) {
    open my $fh, '<', $file or die "$file: $!\n";
    $read->($fh, $file);
    close $fh;
  }
} else {
  $read->(\*STDIN, 'stdin');
}
die "no rows: an empty AS database is of no use\n" unless $rows;

open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
