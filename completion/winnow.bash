# bash completion for winnow's commands: augment db dedup label resize
# scraper. `make install` puts this one script in bash-completion's folder
# under each command's name (its lazy loader looks a command up by name);
# without bash-completion, source it from ~/.bashrc.
#
# Each command's long options as its option table has them (--help and
# --version aside); tests/cli/t0900-install.sh checks every list against
# what `CMD --help` lists.

_winnow_opts_augment='--path --out --pipeline --samples --balance --seed --format
	--quality --dry-run --jobs --max-bytes --max-pixels --quiet --db'
_winnow_opts_dedup='--path --delete --move-to --dry-run --match --crops --exact-only --catalog-only --threshold
	--similarity --across --keep --prefer --format --html --jobs --quiet --db'
_winnow_opts_resize='--path --out --in-place --size --geometry --format --quality
	--quarantine --shard --jobs --max-bytes --max-pixels --quiet --db'
_winnow_opts_scraper='--urls --out --class --parallel --per-host --connect-timeout
	--timeout --max-bytes --min-bytes --min-size --retries --retry-wait --retry-failed
	--shard --failed --user-agent --ignore-robots-tag --resize --geometry --quality
	--low-speed-time --max-retry-wait --allow-private --allow-address --jobs --quiet --db'

_winnow_subcommands_db='init scan stats check export split issues report merge'
_winnow_opts_db='--db'
_winnow_opts_db_init='--db'
_winnow_opts_db_scan='--path --jobs --shard --rehash --max-bytes --max-pixels --quiet --db'
_winnow_opts_db_stats='--format --db'
_winnow_opts_db_check='--path --format --db'
_winnow_opts_db_export='--format --class --status --db'
_winnow_opts_db_split='--out --val --test --seed --crops --path --layout --link --shard-size --exclude-issues
	--quiet --db'
_winnow_opts_db_issues='--path --issue --threshold --format --model --nsfwjs-compat --move-to --dry-run --signals --db'
_winnow_opts_db_report='--html --path --suspects --groups --model --db'
_winnow_opts_db_merge='--into'

_winnow_subcommands_label='predict train suspects review apply export cam'
_winnow_opts_label=''
_winnow_opts_label_predict='--path --model --nsfwjs-compat --format --jobs --shard
	--max-bytes --max-pixels --quiet --db'
_winnow_opts_label_train='--path --model --nsfwjs-compat --folds --l2 --seed --seeds --knn --knn-weight --power
	--features --head --hidden --format --db'
_winnow_opts_label_suspects='--path --top --model --nsfwjs-compat --pretrained --map
	--format --db'
_winnow_opts_label_review='--path --port --queue --top --model --nsfwjs-compat --pretrained
	--map --db'
_winnow_opts_label_apply='--path --dry-run --trash --db'
_winnow_opts_label_export='--out --model --force --db'
_winnow_opts_label_cam='--path --out --layer --raw --size --model --nsfwjs-compat --jobs --format
	--max-bytes --max-pixels --db'

# The options that take no value; every other one takes one.
_winnow_flags='--dry-run -n --quiet -q --help -h --version --in-place --delete
	--exact-only --catalog-only --crops --rehash --nsfwjs-compat --pretrained --retry-failed
	--raw --ignore-robots-tag --allow-private --force --signals'

# _winnow_words WORDS: the words that start with $cur
_winnow_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# _winnow_paths -f|-d: the files (and folders) or the folders at $cur
_winnow_paths()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen "$1" -- "$cur")
}

# _winnow_value OPTION: completes OPTION's value; 1 when it takes none
_winnow_value()
{
	case " ${_winnow_flags//[$'\t\n']/ } " in *" $1 "*) return 1 ;; esac
	case $1 in
	--path)  # label cam's are images
		if [[ $sub == cam ]]; then _winnow_paths -f; else _winnow_paths -d; fi ;;
	--out | --move-to | --quarantine | --prefer | --trash | --across)
		_winnow_paths -d ;;
	--db | --pipeline | --urls | --html | --failed | --into)
		_winnow_paths -f ;;
	--format)
		case $cmd in
		augment) _winnow_words 'jpg png' ;;
		resize) _winnow_words 'jpg png webp keep' ;;
		*) _winnow_words 'text csv jsonl' ;;
		esac ;;
	--keep) _winnow_words 'pixels oldest newest first' ;;
	--layout) _winnow_words 'csv folders webdataset' ;;
	--link) _winnow_words 'hard sym copy' ;;
	--queue) _winnow_words 'suspects conflicts groups issues' ;;
	--match) _winnow_words 'exact near mirror rotate crop' ;;
	--status) _winnow_words 'ok corrupt deleted quarantined all' ;;
	--model)
		if [[ $cur == */* ]]; then
			_winnow_paths -d
		else
			_winnow_words 'mobilenet_v2 inception_v3'
		fi ;;
	--* | -j | -p) COMPREPLY=() ;;  # a number, a name: nothing to offer
	*) return 1 ;;
	esac
	return 0
}

_winnow()
{
	local cmd=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]-} prev='' sub='' i list
	COMPREPLY=()
	((COMP_CWORD < 1)) || prev=${COMP_WORDS[COMP_CWORD - 1]}
	# bash splits --opt=value at the '=' (COMP_WORDBREAKS)
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	# db and label: the subcommand is the first word that is not an
	# option (db --db FILE stats)
	if [[ $cmd == db || $cmd == label ]]; then
		for ((i = 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--db) [[ ${COMP_WORDS[i + 1]-} != = ]] || ((i++)); ((i++)) ;;
			-*) ;;
			*) sub=${COMP_WORDS[i]}; break ;;
			esac
		done
	fi
	[[ $prev == -* ]] && _winnow_value "$prev" && return 0
	list=_winnow_opts_$cmd${sub:+_$sub}
	if [[ $cur == -* ]]; then
		list="${!list-} --help"
		[[ -n $sub ]] || list+=" --version"
		_winnow_words "$list"
	elif [[ ($cmd == db || $cmd == label) && -z $sub ]]; then
		list=_winnow_subcommands_$cmd
		_winnow_words "${!list}"
	else
		_winnow_paths -f  # db scan DIR, db merge A.db B.db ...
	fi
	return 0
}

complete -F _winnow augment db dedup label resize scraper
