#!/usr/bin/perl

# Tests for the source layout: worker/, master/ and monitor/ never
# include each other's headers; shared/ has no fork, no signal handling and no libev;
# every .c file includes its component's umbrella header first; no source
# file reaches 800 lines.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

my $top = "..";
my %files = map { $_ => [ sort glob "$top/$_/*.[ch]" ] }
	qw/shared master worker monitor/;
my %names = map { my $dir = $_;
	$dir => { map { (m{([^/]+)$})[0] => 1 } @{$files{$dir}} } } keys %files;

plan(tests => 10);

is(join(' ', grep { !grep { /\.c$/ } @{$files{$_}} } sort keys %files), '',
	'shared/, master/, worker/ and monitor/ hold C files');

is(join("\n", foreign_includes('worker', 'master')), '',
	'worker/ includes no master/ header');
is(join("\n", foreign_includes('master', 'worker')), '',
	'master/ includes no worker/ header');
is(join("\n", map { foreign_includes('monitor', $_) } qw/master worker/),
	'', 'monitor/ includes no master/ or worker/ header');
is(join("\n", map { foreign_includes($_, 'monitor') } qw/master worker/),
	'', 'master/ and worker/ include no monitor/ header');

my %banned = (
	'fork' => qr/\b(?:fork|vfork|clone)\s*\(/,
	'signal handling' => qr/\b(?:sigaction|signal|signalfd|sigprocmask
		|pthread_sigmask|sigwait\w*)\s*\(/x,
	'libev' => qr/\bev_\w+|\bEV_[A-Z]+|<ev\.h>/,
);
for my $what (sort keys %banned) {
	my @hits;
	for my $f (@{$files{shared}}) {
		my $code = code_of($f, 1);
		push @hits, "$f: $1" while $code =~ /($banned{$what})/g;
	}
	is(join("\n", @hits), '', "shared/ has no $what");
}

my %umbrella = (shared => 'obp.h', master => 'master.h', worker => 'worker.h',
	monitor => 'monitor.h');
my @wrong;
for my $dir (sort keys %files) {
	for my $f (grep { /\.c$/ } @{$files{$dir}}) {
		my ($first) = code_of($f)
			=~ /^\s*#\s*include\s*([<"][^>"]+[>"])/m;
		# obproxyctl's files (pidfile.c is linked into both programs).
		my $ok = $f =~ m{/(?:obproxyctl|octl_\w+|pidfile)\.c$}
			? qr/^"(?:obp|master)\.h"$/
			: qr/^"\Q$umbrella{$dir}\E"$/;
		push @wrong, "$f: " . ($first // 'no include')
			if ($first // '') !~ $ok;
	}
}
is(join("\n", @wrong), '', 'every .c includes its umbrella header first');

my @long = grep { lines($_) >= 800 } map { @$_ } values %files;
is(join("\n", map { "$_: " . lines($_) } sort @long), '',
	'every file under 800 lines');

###############################################################################

# Quoted includes in <dir> of a header that exists only in <other>, or of
# a path into <other>.
sub foreign_includes {
	my ($dir, $other) = @_;
	my @hits;
	for my $f (@{$files{$dir}}) {
		for my $inc (code_of($f) =~ /^\s*#\s*include\s*"([^"]+)"/mg) {
			my ($base) = $inc =~ m{([^/]+)$};
			my $theirs = $names{$other}{$base}
				&& !$names{$dir}{$base} && !$names{shared}{$base};
			push @hits, "$f: $inc"
				if $theirs || $inc =~ m{(?:^|/)\Q$other\E/};
		}
	}
	return @hits;
}

# The text of <file> without comments, and with <strings> also without
# string literals, so prose that says "fork" is not taken for a call.
sub code_of {
	my ($file, $strings) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	local $/;
	my $text = <$fh>;
	close $fh;
	my $literal = qr/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/;
	$text =~ s{(/\*.*?\*/|//[^\n]*)|($literal)}
		{ defined $1 ? $1 =~ tr/\n//cdr : $strings ? '""' : $2 }gse;
	return $text;
}

sub lines {
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	my $n = () = <$fh>;
	close $fh;
	return $n;
}
